/**
 * Shared pieces of the tampering scenarios: the protection modes, dialects and workers they run
 * over, one tamper proxy per target server per test file, connecting through it, and the check
 * that an outcome is a typed failure (never tampered data delivered).
 */
import { afterAll, expect } from "@effect/vitest"
import { appendFileSync } from "node:fs"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Session from "../../src/client/Session.js"
import { threadEntry } from "../connection/subjects.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions, DialectName } from "../../src/connection/ConnectionOptions.js"
import type { IncomingMessage } from "../../src/connection/Message.js"
import { Command } from "../../src/wire/Command.js"
import type { SambaInstance, SambaServers } from "../support/samba/index.js"
import type { Hooks, TamperProxy } from "../support/tamper/index.js"
import { Smb2, startProxy } from "../support/tamper/index.js"

export type Worker = "fiber" | "single" | "thread"
export const WORKERS: ReadonlyArray<Worker> = ["fiber", "single", "thread"]

/**
 * The workers a dialect runs on: every worker on 3.1.1; the older dialects on the fiber and single
 * workers only (the thread worker runs the same Transformer as the fiber worker, and starting a
 * thread per case is what costs most in this suite).
 */
export const workersFor = (dialect: DialectName): ReadonlyArray<Worker> => (dialect === "3.1.1" ? WORKERS : ["fiber", "single"])

/**
 * "signing required": the client requires signing (`signing: "required"`) of a server that only
 * offers it. "encryption required": the client requires encryption. "defaults": no option, on a
 * server that requires neither. "server requires signing": no option, on `server signing =
 * mandatory`.
 */
export type Mode = "signing required" | "encryption required" | "defaults" | "server requires signing"

export const modeServer = (servers: SambaServers, mode: Mode): SambaInstance =>
  mode === "server requires signing" ? servers.signing : servers.default

export const modeOptions = (mode: Mode): Partial<ConnectionOptions> => {
  switch (mode) {
    case "signing required":
      return { signing: "required" }
    case "encryption required":
      return { encryption: "required" }
    case "defaults":
    case "server requires signing":
      return {}
  }
}

/** Dialects a mode makes sense on (encryption needs 3.x). */
export const SIGNING_DIALECTS: ReadonlyArray<DialectName> = ["3.1.1", "3.0.2", "2.1"]
export const ENCRYPTION_DIALECTS: ReadonlyArray<DialectName> = ["3.1.1", "3.0.2"]

/** The default wait for a response; tampered requests that should be discarded wait `SHORT`. */
export const TIMEOUT: Duration.DurationInput = "2 seconds"
export const SHORT: Duration.DurationInput = "250 millis"

/**
 * One tamper proxy per target server for the whole test file (started on first use, closed after
 * the file). Tests in a file run one after another; each resets the proxy before it starts.
 */
export const proxies = () => {
  const started = new Map<number, Promise<TamperProxy>>()
  afterAll(async () => {
    const all = await Promise.allSettled(started.values())
    await Promise.all(all.flatMap((p) => (p.status === "fulfilled" ? [p.value.close()] : [])))
  })
  return (server: SambaInstance, hooks: Hooks = {}): Effect.Effect<TamperProxy, never, Scope.Scope> =>
    Effect.gen(function*() {
      let proxy = started.get(server.port)
      if (proxy === undefined) {
        proxy = startProxy({ targetHost: server.host, targetPort: server.port })
        started.set(server.port, proxy)
      }
      const ready = yield* Effect.promise(() => proxy)
      ready.reset(hooks)
      // Finalizers run in reverse order: this one last. `connectOnly`, `logOn` and `established`
      // add another after each step, so that logoff and tree disconnect pass untouched.
      yield* Effect.addFinalizer(() => Effect.sync(() => ready.setHooks({})))
      return ready
    })
}

/** The worker thread's entry, bundled from this checkout's src (named by its content's digest). */
export { threadEntry }

/** Connection options through the proxy for a mode, dialect and worker. */
export const optionsFor = (proxy: TamperProxy, mode: Mode, dialect: DialectName, worker: Worker) =>
  Effect.gen(function*() {
    const options: ConnectionOptions = {
      host: proxy.host,
      port: proxy.port,
      minDialect: dialect,
      maxDialect: dialect,
      worker,
      timeout: TIMEOUT,
      ...modeOptions(mode),
      ...(worker === "thread" ? { threadEntry: yield* threadEntry } : {})
    }
    return options
  })

/** Disarms the proxy when the Scope closes, before the connection's finalizers (logoff) run. */
const disarmFirst = (proxy: TamperProxy) => Effect.addFinalizer(() => Effect.sync(() => proxy.setHooks({})))

/** Negotiates through the proxy. */
export const connectOnly = (proxy: TamperProxy, options: ConnectionOptions) =>
  Effect.gen(function*() {
    // One connection's security is under test: no reconnect to another.
    const context = yield* Layer.build(Connection.layer({ reconnect: false, ...options }))
    yield* disarmFirst(proxy)
    return Context.get(context, Connection.Connection)
  })

/** Negotiates and logs on through the proxy. */
export const logOn = (proxy: TamperProxy, server: SambaInstance, options: ConnectionOptions) =>
  Effect.gen(function*() {
    const connection = yield* connectOnly(proxy, options)
    const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
    yield* disarmFirst(proxy)
    return { connection, session }
  })

/** Connection, session and tree through the (so far untouched) proxy. */
export const established = (proxy: TamperProxy, server: SambaInstance, options: ConnectionOptions) =>
  Effect.gen(function*() {
    const { connection, session } = yield* logOn(proxy, server, options)
    const tree = yield* Tree.make(session, server.share)
    yield* disarmFirst(proxy)
    return { connection, session, tree }
  })

export type Established = Effect.Effect.Success<ReturnType<typeof established>>

/** An ECHO in the session (and tree), so that it is signed or encrypted like any request of it. */
export const echo = (built: Established, timeout: Duration.DurationInput = SHORT) =>
  built.connection.handler.sendRecv(
    { command: Command.ECHO, sessionId: built.session.id, treeId: built.tree.id, body: new Uint8Array([4, 0, 0, 0]) },
    { command: Command.ECHO, timeout }
  )

/** The library's typed errors a tampered exchange may end with (a server's refusal is not one). */
export const TYPED = new Set([
  "TransformFailed",
  "OperationTimeout",
  "ConnectionStopped",
  "UnexpectedMessageId",
  "UnexpectedCommand",
  "DecodeError",
  "InvalidState",
  "AuthenticationFailed",
  "NegotiationFailed"
])

const describeValue = (value: unknown): string => {
  if (typeof value === "object" && value !== null && "header" in value && "verified" in value) {
    const m = value as IncomingMessage
    return `a message (command 0x${m.header.command.toString(16)}, message id ${m.header.messageId}, verified ${m.verified}, encrypted ${m.encrypted})`
  }
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  if (typeof value === "object" && value !== null && "id" in value && "isGuest" in value) {
    const s = value as Session.SessionShape
    return `a session (guest ${s.isGuest}, anonymous ${s.isAnonymous}, signingRequired ${s.signingRequired}, encrypted ${s.encrypted})`
  }
  return typeof value === "object" ? "a value" : String(value)
}

/** "failed: Tag (reason): message", or "succeeded with ...", or "died: ...": readable in a failed expect. */
export const outcome = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) return `succeeded with ${describeValue(exit.value)}`
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return `died: ${Cause.pretty(exit.cause).split("\n")[0]}`
  const error = failure.value as { readonly _tag?: string; readonly reason?: string; readonly message?: string }
  return `failed: ${error._tag ?? "?"} (${error.reason ?? "?"}): ${error.message ?? String(error)}`
}

/** Expects the exit to be a typed failure of the library (and returns its outcome line). */
export const expectTypedFailure = <A, E>(exit: Exit.Exit<A, E>): string => {
  const line = outcome(exit)
  expect(line).toMatch(new RegExp(`^failed: (${[...TYPED].join("|")}) `))
  return line
}

/** The headers of the client's requests recorded after `seq` on the latest connection (TRANSFORM frames as null). */
export const requestsAfter = (proxy: TamperProxy, fromIndex: number) =>
  proxy.records({ direction: "toServer" }).slice(fromIndex).map((r) => ({
    record: r,
    transform: Smb2.isTransform(r.original),
    headers: Smb2.headers(r.original)
  }))

/**
 * With SECURITY_OUTCOMES=<file>, appends "<test name>\t<outcome>" for every scenario, passing or
 * not: the evidence of how each one ended (which typed error, or what was delivered).
 */
export const note = (name: string, line: string): Effect.Effect<void> =>
  Effect.sync(() => {
    const file = process.env.SECURITY_OUTCOMES
    if (file !== undefined && file !== "") appendFileSync(file, `${name}\t${line}\n`)
  })

/** Byte equality whatever the view (Buffer or Uint8Array). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
