/**
 * How a command reaches the server a URL names: a negotiated connection, a session (the URL's
 * user, or anonymous) and a tree on the URL's share, each closed (tree disconnect, logoff,
 * socket close) when the command's Scope closes, also on failure and on Ctrl-C. With --verbose
 * each step says what it did on stderr, never with the password.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Dfs from "../client/Dfs.js"
import * as Stream from "effect/Stream"
import * as Session from "../client/Session.js"
import * as SessionPool from "../client/SessionPool.js"
import * as Tree from "../client/Tree.js"
import * as Connection from "../connection/Connection.js"
import type { ReconnectEvent } from "../connection/Reconnect.js"
import type { NegotiationFailed, RequestError, TransportError, AuthenticationFailed } from "../errors.js"
import { ServerError } from "../errors.js"
import type { ConnectOptions } from "./ConnectOptions.js"
import { toConnectionOptions } from "./ConnectOptions.js"
import { CliError } from "./errors.js"
import type { UrlError } from "./errors.js"
import * as Password from "./Password.js"
import * as Url from "./Url.js"

/**
 * A progress line on stderr, with --verbose only.
 *
 * @since 0.1.0
 * @category output
 */
export const progress = (o: ConnectOptions, line: string): Effect.Effect<void> =>
  o.verbose ? Console.error(`smb: ${line}`) : Effect.void

/** One line on stderr per reconnect (giving up is the command's error, ConnectionStopped "ReconnectFailed"). */
const noteReconnect = (event: ReconnectEvent): Effect.Effect<void> =>
  event._tag === "Reconnected"
    ? Console.error(
      `smb: connection lost; reconnected in ${event.millis} ms (${event.handlesRecovered} handle(s) reopened` +
        `${event.handlesLost > 0 ? `, ${event.handlesLost} lost` : ""})`
    )
    : Effect.void

/**
 * A negotiated connection to the URL's server.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connection = (
  url: Url.SmbUrl,
  o: ConnectOptions
): Effect.Effect<Connection.ConnectionShape, CliError | NegotiationFailed | RequestError | TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const options = yield* toConnectionOptions(url, o)
    yield* progress(o, `connecting to ${Url.format({ ...url, user: undefined, share: undefined, path: [] })} (${o.worker} worker)`)
    const context = yield* Layer.build(Connection.layer(options))
    const connection = Context.get(context, Connection.Connection)
    const { negotiated } = connection
    yield* progress(o, `negotiated SMB ${negotiated.dialect}, signing ${negotiated.signing}, cipher ${negotiated.encryption ?? "none"}`)
    if (connection.reconnect !== undefined) yield* Effect.forkScoped(Stream.runForEach(connection.reconnect.events, noteReconnect))
    return connection
  })

/**
 * A session as the URL's user; anonymous when the URL names none.
 *
 * @since 0.1.0
 * @category constructors
 */
export const session = (
  connection: Connection.ConnectionShape,
  url: Url.SmbUrl,
  o: ConnectOptions
): Effect.Effect<Session.SessionShape, RequestError | AuthenticationFailed | CliError, Scope.Scope> =>
  Effect.gen(function*() {
    const credentials = Url.credentials(url) ?? Session.anonymous
    return yield* logOn(url, o, Session.make(connection, credentials, sessionOptions(o)), (session) => session)
  })

const sessionOptions = (o: ConnectOptions): Session.SessionOptions => {
  const kerberos = {
    ...(Option.isSome(o.kdc) ? { kdc: o.kdc.value } : {}),
    ...(Option.isSome(o.keytab) ? { keytab: o.keytab.value } : {}),
    ...(Option.isSome(o.realm) ? { realm: o.realm.value } : {})
  }
  return { allowGuestFallback: o.allowGuest, auth: o.auth, ...(Object.keys(kerberos).length > 0 ? { kerberos } : {}) }
}

/** Says how a session was set up; a refused logon with no password given says where one comes from. */
const logOn = <A, E, R>(url: Url.SmbUrl, o: ConnectOptions, make: Effect.Effect<A, E, R>, sessionOf: (a: A) => Session.SessionShape) =>
  Effect.gen(function*() {
    const noPassword = url.user !== undefined && (url.password === undefined || Redacted.value(url.password) === "")
    const made = yield* make.pipe(
      Effect.catchIf(
        (error): error is E & ServerError => noPassword && error instanceof ServerError && error.reason === "STATUS_LOGON_FAILURE",
        (cause) =>
          new CliError({
            reason: "Logon",
            detail: `${cause.message}: no password was given for ${url.user} (put it in SMB_PASSWORD or a --password-file, or ` +
              "run on a terminal to be asked)",
            cause
          })
      )
    )
    const session = sessionOf(made)
    const as = session.isAnonymous ? "anonymous" : session.isGuest ? "guest" : (url.user ?? "")
    yield* progress(o, `session set up as ${as} (${session.auth})${session.encrypted ? ", encrypted" : session.signingRequired ? ", signed" : ""}`)
    return made
  })

const requireShare = (url: Url.SmbUrl): Effect.Effect<string, CliError> =>
  url.share === undefined
    ? Effect.fail(new CliError({ reason: "Usage", detail: "the URL names no share (smb://host/share/...)" }))
    : Effect.succeed(url.share)

/**
 * A tree on the URL's share, which the URL must name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tree = (
  session: Session.SessionShape,
  url: Url.SmbUrl,
  o: ConnectOptions
): Effect.Effect<Tree.TreeShape, CliError | NegotiationFailed | RequestError, Scope.Scope> =>
  Effect.gen(function*() {
    const name = yield* requireShare(url)
    const tree = yield* Tree.make(session, name)
    yield* progress(o, `connected to share ${name}${tree.encrypted ? " (encrypted)" : ""}`)
    return tree
  })

/**
 * Connection, session and tree for a URL, in one step.
 *
 * @since 0.1.0
 * @category constructors
 */
export const share = (url: Url.SmbUrl, o: ConnectOptions) =>
  Effect.gen(function*() {
    yield* requireShare(url)
    if (!o.noDfs) return yield* dfsShare(url, o)
    const c = yield* connection(url, o)
    const s = yield* session(c, url, o)
    return yield* tree(s, url, o)
  })

/**
 * The URL's tree, following DFS links: the connection and session come from a SessionPool, where
 * referrals to other servers (reached on port 445, as the same user) open theirs and referrals
 * back to the same server reuse it. The URL's host may be a domain (a domain-based namespace, see
 * Dfs.ts): then no connection is made to it, only to its DCs and the root's targets.
 */
const dfsShare = (url: Url.SmbUrl, o: ConnectOptions) =>
  Effect.gen(function*() {
    const name = yield* requireShare(url)
    const options = yield* toConnectionOptions(url, o)
    yield* progress(o, `connecting to ${Url.format({ ...url, user: undefined, share: undefined, path: [] })} (${o.worker} worker)`)
    const pool = yield* SessionPool.make(options)
    const credentials = Url.credentials(url) ?? Session.anonymous
    const dfs = Dfs.make(pool, credentials, { session: sessionOptions(o) })
    const tree = yield* logOn(url, o, dfs.tree(url.host, name), (tree) => tree.session)
    const { negotiated } = tree.session.connection
    yield* progress(o, `negotiated SMB ${negotiated.dialect}, signing ${negotiated.signing}, cipher ${negotiated.encryption ?? "none"}`)
    const where = tree.server !== undefined && tree.server.toLowerCase() !== url.host.toLowerCase() ? ` on ${tree.server}` : ""
    yield* progress(o, `connected to share ${tree.share}${where}${tree.encrypted ? " (encrypted)" : ""}${tree.isDfs === true ? " (DFS)" : ""}`)
    return tree
  })

/**
 * Parses `text` and supplies the password the URL lacks (Password.ts: --password-file,
 * SMB_PASSWORD, or a prompt); with --keytab the keys come from the keytab, and none is asked for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (text: string, o: ConnectOptions): Effect.Effect<Url.SmbUrl, UrlError | CliError, FileSystem.FileSystem> =>
  Effect.flatMap(Url.parse(text), (url) => (Option.isSome(o.keytab) ? Effect.succeed(url) : Password.supply(url, o.passwordFile)))

/**
 * Resolves `text`, connects its share and runs `use` with the tree; everything is closed when
 * the command's Scope closes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withShare = <A, E, R>(
  text: string,
  o: ConnectOptions,
  use: (tree: Tree.TreeShape, url: Url.SmbUrl) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const url = yield* resolve(text, o)
    return yield* use(yield* share(url, o), url)
  })

/**
 * The URL's share-relative path, which must name something below the share root.
 *
 * @since 0.1.0
 * @category accessors
 */
export const requirePath = (url: Url.SmbUrl): Effect.Effect<string, CliError> =>
  url.path.length === 0
    ? Effect.fail(new CliError({ reason: "Usage", detail: "the URL names no file or directory below the share" }))
    : Effect.succeed(Url.filePath(url))
