/**
 * Dfs: following DFS namespaces (MS-DFSC) on the client. A resolver with a referral cache maps a
 * path to (tree, remaining path); a SessionPool of connections keyed by server and credentials
 * lets referrals to other servers, or back to the same one, reuse sessions.
 *
 * How a path is followed: a tree made by `tree` carries the resolver (`TreeShape.referrals`), so
 * File.open, and every Files function through it, first looks the path up in the cache and then
 * opens it; when the server answers STATUS_PATH_NOT_COVERED (the path crosses a link), the
 * resolver sends FSCTL_DFS_GET_REFERRALS for "\\server\\share\\path" on the server's IPC$ (as
 * Windows does), caches the answer for its TimeToLive, and the open goes to the first target that
 * can be reached, with the rest of the path. A target that is itself a DFS root answers
 * PATH_NOT_COVERED in its turn; File.open follows at most 8 referrals.
 *
 * Standalone namespaces (\\server\\root) need nothing more. Domain-based ones (\\domain\\root,
 * by the domain's DNS or NetBIOS name) follow MS-DFSC 3.1.4.1: a domain referral (empty path) to a
 * domain controller lists the domains; a first component that is one of them gets a DC referral
 * ("\\domain") for the domain's DCs, then a root referral ("\\domain\\root") from one of the
 * DCs, whose targets are opened as for a standalone root (SYSVOL and NETLOGON come back as storage
 * targets on the DCs). Domain lists and DC lists are cached with their TTLs, like referrals.
 *
 * Which DC is asked first: `domainControllers`, else the KDCs of the realm the session's Kerberos
 * options, the user's @REALM or (with no password) the ticket cache's principal name (MS-DFSC
 * would ask the DC the machine joined; a library has none, and in AD the KDCs are the DCs). A KDC
 * given as an address is reached by a name the connection's `hosts` maps to it, as Kerberos
 * needs a name (cifs/<name>). With no DC known, or none answering (then not asked again for a
 * minute), the first component is connected to as a server (DNS, or `hosts`), and when that
 * server does not hold the root share (STATUS_BAD_NETWORK_NAME), `tree` asks it for a root
 * referral. A name that is itself one of the DCs, or an IP address, is a server. A root target
 * naming a domain (Samba's DC answers "\\EXAMPLE.TEST\\dfs" with itself) is reached through
 * that domain's DCs. Departures from MS-DFSC: no site costing beyond the server's order, and no
 * REQ_GET_DFS_REFERRAL_EX.
 *
 * @since 0.1.0
 */
import { isIP } from "node:net"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { RequestError } from "../errors.js"
import { DfsFailed } from "../errors.js"
import { Command } from "../wire/Command.js"
import type { DfsReferralResponse } from "../wire/DfsReferral.js"
import { decodeDfsReferralResponse, DfsServerType, encodeDfsReferralRequest, ReferralHeaderFlags } from "../wire/DfsReferral.js"
import { CtlCode, decodeIoctlResponse, encodeIoctlRequest, IoctlFlags, NO_FILE_ID } from "../wire/Ioctl.js"
import { Status } from "../wire/Status.js"
import { parseKdc } from "../auth/kerberos/KdcTransport.js"
import { ccacheRealm, splitPrincipal } from "../auth/kerberos/Kerberos.js"
import * as Krb5Conf from "../auth/kerberos/Krb5Conf.js"
import { namesOf } from "../transport/hosts.js"
import { controllerNames, DomainCache, domainNames } from "./internal/domainCache.js"
import { toWirePath } from "./internal/path.js"
import type { CachedReferral } from "./internal/referralCache.js"
import { components, ReferralCache } from "./internal/referralCache.js"
import type { Credentials, SessionOptions } from "./Session.js"
import type { OpenError, SessionPoolShape } from "./SessionPool.js"
import { SessionPool } from "./SessionPool.js"
import type { DfsFollower, DfsLocation, TreeShape } from "./Tree.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface DfsOptions {
  /** Follow DFS links. Default true; false gives plain trees (a path below a link then fails with STATUS_PATH_NOT_COVERED). */
  readonly dfs?: boolean | undefined
  readonly session?: SessionOptions | undefined
  /**
   * Domain controllers (host names) to ask for domain and DC referrals. Default: the KDCs of the
   * realm the session's Kerberos options or the user's @REALM name; none for NTLM-only sessions.
   */
  readonly domainControllers?: ReadonlyArray<string> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface DfsShape {
  /** A tree on `share` of `server` (through the pool) whose paths follow DFS links. */
  readonly tree: (server: string, share: string) => Effect.Effect<TreeShape, OpenError | DfsFailed>
  /**
   * Where "\\\\server\\share\\path" is by the referral cache: a tree (maybe on another server)
   * and the path on it. A path below a link not yet followed stays on the namespace's tree (its
   * first open there follows the link).
   */
  readonly resolve: (path: string) => Effect.Effect<DfsLocation, OpenError | DfsFailed>
  /** Live referral cache entries (for tests and diagnostics). */
  readonly cached: Effect.Effect<number>
  /** Referral requests sent so far (for tests and diagnostics). */
  readonly requested: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Dfs extends Context.Tag("effect-smb/Dfs")<Dfs, DfsShape>() {}

/** The highest referral version asked for (MS-DFSC 2.2.2: versions 1 to 4). */
const MAX_REFERRAL_LEVEL = 4
/** Output room for a referral: ample for dozens of targets; a larger answer fails with BUFFER_OVERFLOW. */
const REFERRAL_OUTPUT = 16 * 1024

/**
 * One FSCTL_DFS_GET_REFERRALS on `ipc` (a tree on IPC$) for `path`, "\\server\\share[\\path]"
 * with a single leading backslash (MS-DFSC 2.2.2, 3.1.4.2).
 *
 * @since 0.1.0
 * @category operations
 */
export const getReferrals = (ipc: TreeShape, path: string): Effect.Effect<DfsReferralResponse, RequestError> =>
  Effect.gen(function*() {
    const input = encodeDfsReferralRequest({ maxReferralLevel: MAX_REFERRAL_LEVEL, requestFileName: path })
    const reply = yield* ipc.session.connection.handler.sendRecv(
      {
        command: Command.IOCTL,
        sessionId: ipc.session.id,
        treeId: ipc.id,
        body: encodeIoctlRequest({
          ctlCode: CtlCode.FSCTL_DFS_GET_REFERRALS,
          fileId: NO_FILE_ID,
          input,
          maxInputResponse: 0,
          output: new Uint8Array(0),
          maxOutputResponse: REFERRAL_OUTPUT,
          flags: IoctlFlags.IS_FSCTL
        }),
        payloadSize: input.length,
        responseSize: REFERRAL_OUTPUT
      },
      { command: Command.IOCTL, allowAsync: true }
    )
    const ioctl = decodeIoctlResponse(reply.message)
    const decoded = Either.flatMap(ioctl, (response) => decodeDfsReferralResponse(response.output))
    return Either.isRight(decoded) ? decoded.right : yield* decoded.left
  }).pipe(Effect.withSpan("smb.dfs.get_referrals", { attributes: { path } }))

const unc = (parts: ReadonlyArray<string>): string => `\\\\${parts.join("\\")}`

/**
 * What a referral for `requested` (components) says: the prefix it resolves and its targets.
 * The prefix is the entries' DFSPath when that is a prefix of the request, else PathConsumed
 * (bytes of the UTF-16 request, "\\" included).
 */
const toCached = (requested: ReadonlyArray<string>, response: DfsReferralResponse, now: number): CachedReferral | undefined => {
  const entries = response.entries.flatMap((entry) =>
    entry._tag === "Path" ? [{ path: entry.dfsPath, target: entry.networkAddress, ttl: entry.timeToLive, root: entry.serverType === DfsServerType.ROOT }]
    : entry._tag === "V1" ? [{ path: "", target: entry.shareName, ttl: 0, root: entry.serverType === DfsServerType.ROOT }]
    : []
  )
  const first = entries[0]
  if (first === undefined) return undefined
  const fromPath = components(first.path)
  const matches = fromPath.length > 0 && fromPath.length <= requested.length &&
    fromPath.every((part, i) => part.toLowerCase() === requested[i]!.toLowerCase())
  const consumed = components(`\\${requested.join("\\")}`.slice(0, response.pathConsumed / 2))
  const prefix = matches ? requested.slice(0, fromPath.length) : requested.slice(0, Math.max(consumed.length, 2))
  const ttl = Math.min(...entries.map((entry) => entry.ttl))
  return {
    prefix,
    targets: entries.map((entry) => entry.target),
    root: first.root || (response.headerFlags & ReferralHeaderFlags.REFERRAL_SERVERS) !== 0,
    expiresAt: now + ttl * 1000
  }
}

/** How long a failed or empty domain referral keeps the resolver from asking again (milliseconds). */
const NO_DOMAINS_MILLIS = 60_000

/**
 * The DCs to ask for domain referrals by default: the KDCs of the realm the Kerberos options, the
 * user name or, with no password, the ticket cache's principal name (krb5.conf's default realm alone does not count:
 * the packaged /etc/krb5.conf names one on every machine), each by its host name; a KDC given as
 * an address by the names `hosts` maps to it, else the address.
 */
const kdcControllers = (credentials: Credentials, session: SessionOptions | undefined, hosts: Readonly<Record<string, string>>): Array<string> => {
  if (credentials._tag !== "User" || session?.auth === "ntlm") return []
  const kerberos = session?.kerberos ?? {}
  const dotted = credentials.domain !== undefined && credentials.domain.includes(".") ? credentials.domain : undefined
  // The ticket cache is where a logon with no password gets its ticket (Kerberos.serviceTicket).
  const cached = Redacted.value(credentials.password) === "" ? ccacheRealm(kerberos) : undefined
  const realm = kerberos.realm ?? splitPrincipal(credentials.user).realm ?? dotted ?? cached
  const kdcs = kerberos.kdc ?? (realm === undefined ? [] : Krb5Conf.load(process.env, kerberos.krb5Conf).kdcs[realm.toUpperCase()] ?? [])
  return kdcs.map(parseKdc).flatMap(({ host }) => {
    if (isIP(host) === 0) return [host]
    const names = namesOf(hosts, host)
    return names.length > 0 ? names : [host]
  })
}

/**
 * A resolver that opens what it needs through `pool`, as `credentials`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (pool: SessionPoolShape, credentials: Credentials, options: DfsOptions = {}): DfsShape => {
  const cache = new ReferralCache()
  const domains = new DomainCache()
  let sent = 0
  const enabled = options.dfs !== false
  const poolTree = (server: string, share: string) => pool.tree(server, share, credentials, options.session)
  let controllers: ReadonlyArray<string> | undefined

  const serverOf = (tree: TreeShape): string => tree.server ?? tree.session.connection.host
  const shareOf = (tree: TreeShape): string => tree.share.startsWith("\\\\") ? components(tree.share)[1] ?? tree.share : tree.share

  /** One referral request for `path` to `server`'s IPC$. */
  const ask = (server: string, path: string): Effect.Effect<DfsReferralResponse, OpenError> =>
    Effect.flatMap(poolTree(server, "IPC$"), (ipc) => {
      sent++
      return getReferrals(ipc, path)
    })

  /** The DCs to send domain referrals to (computed once: it may read krb5.conf). */
  const knownControllers = Effect.sync(() => {
    controllers ??= options.domainControllers ?? kdcControllers(credentials, options.session, pool.options.hosts ?? {})
    return controllers
  })

  /** Whether `name` is a domain: by the domain referral of the first known DC that answers. */
  const isDomain = (name: string): Effect.Effect<boolean> =>
    Effect.gen(function*() {
      if (!enabled || isIP(name) !== 0) return false
      const dcs = yield* knownControllers
      if (dcs.length === 0 || dcs.some((dc) => dc.toLowerCase() === name.toLowerCase())) return false
      if (!domains.knowsDomains(yield* Clock.currentTimeMillis)) {
        let learned = false
        for (const dc of dcs) {
          const answer = yield* Effect.either(ask(dc, ""))
          if (Either.isLeft(answer)) continue
          const { names, ttl } = domainNames(answer.right)
          domains.putDomains(names, (yield* Clock.currentTimeMillis) + (names.length === 0 ? NO_DOMAINS_MILLIS : ttl * 1000))
          learned = true
          break
        }
        // No DC answered: the name is tried as a server, and the DCs are not asked again for a while.
        if (!learned) domains.putDomains([], (yield* Clock.currentTimeMillis) + NO_DOMAINS_MILLIS)
      }
      return domains.isDomain(name, yield* Clock.currentTimeMillis)
    })

  /** `domain`'s DCs, best first: cached, else by a DC referral from a known DC. */
  const controllersOf = (domain: string): Effect.Effect<ReadonlyArray<string>, OpenError | DfsFailed> =>
    Effect.gen(function*() {
      const cached = domains.controllersOf(domain, yield* Clock.currentTimeMillis)
      if (cached !== undefined) return cached
      let last: unknown = undefined
      for (const dc of yield* knownControllers) {
        const answer = yield* Effect.either(ask(dc, `\\${domain}`))
        if (Either.isLeft(answer)) {
          last = answer.left
          continue
        }
        const { names, ttl } = controllerNames(answer.right)
        if (names.length === 0) break
        const now = yield* Clock.currentTimeMillis
        domains.putControllers(domain, names, now + ttl * 1000, now)
        return names
      }
      return yield* new DfsFailed({ reason: "Unreachable", path: unc([domain]), detail: "no domain controller listed the domain's DCs", cause: last })
    })

  /** The servers a target's server name stands for: a domain's DCs, or the server itself. */
  const serversOf = (name: string): Effect.Effect<ReadonlyArray<string>, OpenError | DfsFailed> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => (domains.isDomain(name, now) ? controllersOf(name) : Effect.succeed([name])))

  /** The first target of `entry` that can be reached, with `rest` below it. */
  const goTo = (entry: CachedReferral, rest: ReadonlyArray<string>, dfsPath: string): Effect.Effect<DfsLocation, OpenError | DfsFailed> =>
    Effect.gen(function*() {
      let last: unknown = undefined
      for (const target of entry.targets) {
        const [name, share, ...below] = components(target)
        if (name === undefined || share === undefined) continue
        const servers = yield* Effect.either(serversOf(name))
        if (Either.isLeft(servers)) {
          last = servers.left
          continue
        }
        for (const server of servers.right) {
          const reached = yield* Effect.either(poolTree(server, share))
          if (Either.isLeft(reached)) {
            last = reached.left
            continue
          }
          cache.prefer(entry, target)
          return { tree: follow(reached.right), path: [...below, ...rest].join("/"), kept: rest.length }
        }
      }
      return yield* new DfsFailed(
        last === undefined
          ? { reason: "BadReferral", path: dfsPath, detail: "the referral names no usable target" }
          : { reason: "Unreachable", path: dfsPath, detail: `no target of ${unc(entry.prefix)} could be reached`, cause: last }
      )
    })

  const fullPath = (tree: TreeShape, path: string): Array<string> => [serverOf(tree), shareOf(tree), ...components(toWirePath(path))]

  /** Asks `server` (its IPC$) for a referral for `requested`, and caches it. */
  const fetch = (server: string, requested: ReadonlyArray<string>): Effect.Effect<CachedReferral, OpenError | DfsFailed> =>
    Effect.gen(function*() {
      const response = yield* ask(server, `\\${requested.join("\\")}`)
      const now = yield* Clock.currentTimeMillis
      const entry = toCached(requested, response, now)
      if (entry === undefined) {
        return yield* new DfsFailed({ reason: "BadReferral", path: unc(requested), detail: "the referral names no target" })
      }
      cache.put(entry, now)
      return entry
    })

  const lookup = (tree: TreeShape, path: string): Effect.Effect<DfsLocation, RequestError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const full = fullPath(tree, path)
      const hit = cache.lookup(full, now)
      if (hit === undefined) return { tree, path, kept: full.length - 2 }
      return yield* Effect.mapError(goTo(hit.entry, hit.rest, unc(full)), unreachable(unc(full)))
    })

  const refer = (tree: TreeShape, path: string): Effect.Effect<DfsLocation, RequestError> =>
    Effect.gen(function*() {
      const full = fullPath(tree, path)
      const entry = yield* fetch(serverOf(tree), full)
      return yield* goTo(entry, full.slice(entry.prefix.length), unc(full))
    }).pipe(Effect.mapError(unreachable(unc(fullPath(tree, path)))))

  const follower: DfsFollower = { lookup, refer }
  const follow = (tree: TreeShape): TreeShape => (enabled ? { ...tree, referrals: follower } : tree)

  /** A root of a domain-based namespace: a root referral from one of the domain's DCs, its first reachable target. */
  const domainRoot = (domain: string, share: string): Effect.Effect<TreeShape, OpenError | DfsFailed> =>
    Effect.gen(function*() {
      const requested = [domain, share]
      const hit = cache.lookup(requested, yield* Clock.currentTimeMillis)
      if (hit !== undefined && hit.rest.length === 0) return (yield* goTo(hit.entry, [], unc(requested))).tree
      let last: OpenError | DfsFailed | undefined
      for (const dc of yield* controllersOf(domain)) {
        const entry = yield* Effect.either(fetch(dc, requested))
        if (Either.isLeft(entry)) {
          last = entry.left
          continue
        }
        domains.preferController(domain, dc)
        return (yield* goTo(entry.right, [], unc(requested))).tree
      }
      return yield* (last ?? new DfsFailed({ reason: "Unreachable", path: unc(requested), detail: "the domain lists no DC" }))
    })

  const serverTree = (server: string, share: string): Effect.Effect<TreeShape, OpenError | DfsFailed> =>
    poolTree(server, share).pipe(
      Effect.map(follow),
      Effect.catchIf(
        (error) => enabled && error._tag === "ServerError" && error.status === Status.BAD_NETWORK_NAME,
        // A domain-based namespace whose root this server (a DC reached by the domain's name) does not hold: ask it for a root referral.
        (error) =>
          Effect.flatMap(Effect.orElseFail(fetch(server, [server, share]), () => error), (entry) => Effect.map(goTo(entry, [], unc([server, share])), (at) => at.tree))
      )
    )

  const tree = (server: string, share: string): Effect.Effect<TreeShape, OpenError | DfsFailed> =>
    Effect.flatMap(isDomain(server), (domain) => (domain ? domainRoot(server, share) : serverTree(server, share)))

  const resolve = (path: string): Effect.Effect<DfsLocation, OpenError | DfsFailed> =>
    Effect.gen(function*() {
      const [server, share, ...rest] = components(path)
      if (server === undefined || share === undefined) {
        return yield* new DfsFailed({ reason: "BadReferral", path, detail: "not a \\\\server\\share path" })
      }
      const root = yield* tree(server, share)
      return yield* lookup(root, rest.join("/"))
    })

  return { tree, resolve, cached: Effect.sync(() => cache.size), requested: Effect.sync(() => sent) }
}

/** Failures to reach another server are not RequestErrors: they become DfsFailed("Unreachable"). */
const unreachable = (path: string) => (error: OpenError | DfsFailed): RequestError =>
  error._tag === "TransportError" || error._tag === "NegotiationFailed" || error._tag === "AuthenticationFailed"
    ? new DfsFailed({ reason: "Unreachable", path, detail: "cannot reach the target", cause: error })
    : error

/**
 * The Dfs service from the SessionPool in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (credentials: Credentials, options?: DfsOptions): Layer.Layer<Dfs, never, SessionPool> =>
  Layer.effect(Dfs, Effect.map(SessionPool, (pool) => make(pool, credentials, options)))
