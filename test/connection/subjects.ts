/**
 * The workers the conformance suite runs against, each built on a fresh scriptable peer. A subject
 * says whether it supports many requests in flight; scenarios that need that skip the others.
 */
import { build } from "esbuild"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as FiberBackend from "../../src/connection/FiberBackend.js"
import * as MessageHandler from "../../src/connection/MessageHandler.js"
import * as ParallelWorker from "../../src/connection/ParallelWorker.js"
import * as SingleWorker from "../../src/connection/SingleWorker.js"
import * as ThreadBackend from "../../src/connection/ThreadBackend.js"
import { Worker, type WorkerKind, type WorkerOptions, type WorkerShape } from "../../src/connection/Worker.js"
import type { TestPeer } from "../../src/testing/TestPeer.js"
import * as Peer from "../../src/testing/TestPeer.js"
import { Transport, type TransportShape } from "../../src/transport/Transport.js"

export interface Built {
  readonly peer: TestPeer
  readonly handler: MessageHandler.MessageHandlerShape
  readonly worker: WorkerShape
  /** The scope the connection lives in; closing it stops the connection. */
  readonly scope: Scope.CloseableScope
}

export interface Options {
  readonly worker?: Partial<WorkerOptions>
  readonly handler?: Partial<MessageHandler.HandlerOptions>
  /** Wraps the client transport (to inject write failures). */
  readonly wrapTransport?: (transport: TransportShape) => TransportShape
}

export interface Subject {
  readonly name: string
  /** What the worker's stats must say it is. */
  readonly kind: WorkerKind
  readonly parallel: boolean
  readonly make: (options?: Options) => Effect.Effect<Built, unknown, Scope.Scope>
}

const workerLayer = (name: "single" | "fiber", options: Partial<WorkerOptions>): Layer.Layer<Worker, unknown, Transport> =>
  name === "single" ? SingleWorker.layer(options) : ParallelWorker.layer(options).pipe(Layer.provide(FiberBackend.layer))

const overMemory = (name: "single" | "fiber") => (options: Options = {}) =>
  Effect.gen(function*() {
    const { peer, transport } = yield* Peer.makeMemory()
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const layer = MessageHandler.layer(options.handler).pipe(
      Layer.provideMerge(workerLayer(name, options.worker ?? {})),
      Layer.provide(Layer.succeed(Transport, options.wrapTransport?.(transport) ?? transport))
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    return { peer, handler: Context.get(context, MessageHandler.MessageHandler), worker: Context.get(context, Worker), scope }
  })

let bundled: Promise<URL> | undefined

/**
 * The worker thread's entry bundled to plain JavaScript (vitest does not transform code inside
 * worker threads), once per test process. Dependencies are bundled too: one file starts a thread
 * in ~70 ms where loading effect's modules one by one takes ~450 ms. Written to a temporary name
 * then renamed, so that test processes building it at once never load half a file, under a name
 * that is its content's digest.
 */
export const threadEntry: Effect.Effect<URL> = Effect.promise(() =>
  bundled ??= (async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../../src/connection/threadEntry.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "bundle",
      write: false
    })
    const dir = new URL("../../node_modules/.cache/effect-smb/", import.meta.url)
    mkdirSync(dir, { recursive: true })
    // Named by its content: processes building other sources (another checkout sharing this
    // node_modules, a source edited between runs) never load each other's entry.
    const contents = result.outputFiles[0]!.contents
    const out = new URL(`threadEntry-${createHash("sha256").update(contents).digest("hex").slice(0, 16)}.mjs`, dir)
    if (!existsSync(out)) {
      const temporary = `${fileURLToPath(out)}.${process.pid}.tmp`
      writeFileSync(temporary, contents)
      renameSync(temporary, out)
    }
    return out
  })()
)

/**
 * The transport lives in the worker thread, out of `wrapTransport`'s reach. The wrapper is
 * replayed against a transport whose writes all succeed, to learn which write it fails and with
 * what error; the thread is then asked to fail that write the same way.
 */
const probeWriteFailure = (wrap: (transport: TransportShape) => TransportShape) =>
  Effect.gen(function*() {
    const wrapped = wrap({ send: () => Effect.void, receive: Effect.never, close: Effect.void })
    for (let at = 1; at <= 1000; at++) {
      const exit = yield* Effect.exit(wrapped.send(new Uint8Array(0)))
      if (Exit.isFailure(exit)) {
        const error = Cause.failureOption(exit.cause)
        if (Option.isSome(error)) return { at, error: error.value }
      }
    }
    return undefined
  })

const overTcpThread = (options: Options = {}) =>
  Effect.gen(function*() {
    const entry = yield* threadEntry
    const server = yield* Peer.makeTcp()
    const failWrite = options.wrapTransport === undefined ? undefined : yield* probeWriteFailure(options.wrapTransport)
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const layer = MessageHandler.layer(options.handler).pipe(
      Layer.provideMerge(ParallelWorker.layer(options.worker ?? {})),
      Layer.provide(
        ThreadBackend.layer({
          host: "127.0.0.1",
          port: server.port,
          entry,
          ...(failWrite === undefined ? {} : { faults: { failWrite } })
        })
      )
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    const peer = yield* server.connections
    return { peer, handler: Context.get(context, MessageHandler.MessageHandler), worker: Context.get(context, Worker), scope }
  })

export const subjects: ReadonlyArray<Subject> = [
  { name: "ParallelWorker + FiberBackend", kind: "parallel-fiber", parallel: true, make: overMemory("fiber") },
  { name: "SingleWorker", kind: "single", parallel: false, make: overMemory("single") },
  { name: "ParallelWorker + ThreadBackend", kind: "parallel-thread", parallel: true, make: overTcpThread }
]
