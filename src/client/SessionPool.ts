/**
 * SessionPool: connections, sessions and trees kept open for reuse, keyed by server and
 * credentials (and trees by share), so that DFS referrals to other servers, or back to the same
 * one, reuse what is already open instead of connecting again.
 *
 * Every server is reached with the pool's connection options, its host replaced; the port is the
 * options' own for the host they name, and 445 for any other server (a DFS target names a server,
 * never a port). Everything the pool opened is closed when the Scope it was made in closes
 * (trees, then sessions, then connections). A failed open is not remembered: the next request
 * tries again.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Connection from "../connection/Connection.js"
import type { ConnectionOptions } from "../connection/ConnectionOptions.js"
import type { AuthenticationFailed, ConnectionStopped, NegotiationFailed, RequestError, TransportError } from "../errors.js"
import type { Credentials, SessionOptions, SessionShape } from "./Session.js"
import * as Session from "./Session.js"
import type { TreeShape } from "./Tree.js"
import * as Tree from "./Tree.js"

/**
 * What opening a session on a new server can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type OpenError = RequestError | TransportError | ConnectionStopped | NegotiationFailed | AuthenticationFailed

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionPoolShape {
  /** The options new connections start from. */
  readonly options: ConnectionOptions
  /** A session on `server` as `credentials`: the open one, or a new connection and session. */
  readonly session: (server: string, credentials: Credentials, options?: SessionOptions) => Effect.Effect<SessionShape, OpenError>
  /** A tree on `share` of `server` as `credentials`: the open one, or a new one. */
  readonly tree: (server: string, share: string, credentials: Credentials, options?: SessionOptions) => Effect.Effect<TreeShape, OpenError>
  /** How many connections are open now. */
  readonly connections: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SessionPool extends Context.Tag("effect-smb/SessionPool")<SessionPool, SessionPoolShape>() {}

/** The well-known SMB port, where DFS targets are reached. */
const SMB_PORT = 445

/**
 * A key for credentials that tells users and passwords apart without keeping the password in it
 * (its SHA-256, only ever compared).
 */
const credentialsKey = (credentials: Credentials): string =>
  credentials._tag === "User"
    ? `user:${(credentials.domain ?? "").toLowerCase()}\\${credentials.user.toLowerCase()}:` +
      createHash("sha256").update(Redacted.value(credentials.password)).digest("hex")
    : credentials._tag

/**
 * A pool whose connections start from `options` (its `host` and `port` say where the first server
 * is; other servers get port 445).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ConnectionOptions): Effect.Effect<SessionPoolShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const lock = yield* Effect.makeSemaphore(1)
    const connections = new Map<string, Connection.ConnectionShape>()
    const sessions = new Map<string, SessionShape>()
    const trees = new Map<string, TreeShape>()

    const connection = (server: string) =>
      Effect.gen(function*() {
        const key = server.toLowerCase()
        const open = connections.get(key)
        if (open !== undefined) return open
        const port = key === options.host.toLowerCase() ? options.port : SMB_PORT
        const context = yield* Layer.buildWithScope(Connection.layer({ ...options, host: server, port }), scope)
        const made = Context.get(context, Connection.Connection)
        connections.set(key, made)
        return made
      })

    const sessionLocked = (server: string, credentials: Credentials, sessionOptions: SessionOptions = {}) =>
      Effect.gen(function*() {
        const key = `${server.toLowerCase()}|${credentialsKey(credentials)}`
        const open = sessions.get(key)
        if (open !== undefined) return open
        const on = yield* connection(server)
        const made = yield* Scope.extend(Session.make(on, credentials, sessionOptions), scope)
        sessions.set(key, made)
        return made
      })

    const session = (server: string, credentials: Credentials, sessionOptions?: SessionOptions) =>
      lock.withPermits(1)(sessionLocked(server, credentials, sessionOptions))

    const tree = (server: string, share: string, credentials: Credentials, sessionOptions?: SessionOptions) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const key = `${server.toLowerCase()}|${credentialsKey(credentials)}|${share.toLowerCase()}`
        const open = trees.get(key)
        if (open !== undefined) return open
        const on = yield* sessionLocked(server, credentials, sessionOptions)
        const made = yield* Scope.extend(Tree.make(on, share), scope)
        trees.set(key, made)
        return made
      }))

    return {
      options,
      session,
      tree,
      connections: Effect.sync(() => connections.size)
    }
  })
