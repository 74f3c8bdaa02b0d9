/**
 * The workers the conformance suite runs against, each built on a fresh scriptable peer. A subject
 * says whether it supports many requests in flight; scenarios that need that skip the others.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as FiberBackend from "../../src/connection/FiberBackend.js"
import * as MessageHandler from "../../src/connection/MessageHandler.js"
import * as ParallelWorker from "../../src/connection/ParallelWorker.js"
import * as SingleWorker from "../../src/connection/SingleWorker.js"
import { Worker, type WorkerOptions, type WorkerShape } from "../../src/connection/Worker.js"
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

export const subjects: ReadonlyArray<Subject> = [
  { name: "ParallelWorker + FiberBackend", parallel: true, make: overMemory("fiber") },
  { name: "SingleWorker", parallel: false, make: overMemory("single") }
]
