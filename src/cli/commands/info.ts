/**
 * `smb info URL`: negotiates, sets up a session when the URL carries a user, connects the share
 * when it also names one, and prints what was agreed.
 *
 * The fields (with --json, one JSON object):
 * - `dialect`: "2.0.2", "2.1", "3.0", "3.0.2" or "3.1.1".
 * - `signing`: the signature algorithm this session's messages carry ("HMAC-SHA256",
 *   "AES-128-CMAC", "AES-128-GMAC"), or null when they carry none: no session was set up (no
 *   user in the URL), the session is guest or anonymous (no key), neither the server nor
 *   `--sign required` asks for signing, or the session encrypts every message (encryption
 *   protects integrity itself, so nothing is signed). `negotiatedSigning` is the algorithm a
 *   signed message would use, whatever the session does.
 * - `encryption`: the cipher in force, or null when neither this session nor its share encrypts;
 *   `encrypted`: whether this session encrypts; `negotiatedCipher`: the cipher sessions on this
 *   connection could encrypt with, or null (2.x, a server that offers none, or `--encrypt off`).
 * - `signingRequired`: whether the server or `--sign required` demands signing.
 * - `maxReadSize`, `maxWriteSize`, `maxTransactSize`; `capabilities` as names (an unknown bit
 *   as its hex value); `serverGuid` (32 hex digits); `serverTime`.
 * - `authenticated`, `guest`, and `share` (null, or the share's name, type and encryption).
 * - `worker`: the worker that ran the connection: "single", "parallel-fiber" or "parallel-thread".
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { SessionShape } from "../../client/Session.js"
import type { TreeShape } from "../../client/Tree.js"
import type { ConnectionShape } from "../../connection/Connection.js"
import { Capabilities } from "../../wire/Negotiate.js"
import { ShareType } from "../../wire/TreeConnect.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { run } from "../Run.js"
import * as Url from "../Url.js"

const capabilityNames = (bits: number): Array<string> => {
  const names = Object.entries(Capabilities).filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name)
  const unknown = Object.values(Capabilities).reduce((rest, bit) => rest & ~bit, bits) >>> 0
  return unknown === 0 ? names : [...names, `0x${unknown.toString(16).padStart(8, "0")}`]
}

const shareTypeName = (type: number): string =>
  Object.entries(ShareType).find(([, value]) => value === type)?.[0].toLowerCase() ?? `0x${type.toString(16)}`

/**
 * The properties as printed.
 *
 * @since 0.1.0
 * @category models
 */
export const describe = (url: Url.SmbUrl, connection: ConnectionShape, session: SessionShape | undefined, tree: TreeShape | undefined) => {
  const { negotiated } = connection
  return {
    host: url.host,
    port: url.port ?? 445,
    dialect: negotiated.dialect,
    // A session signs only with a key (not guest or anonymous), which signingRequired implies.
    signing: session !== undefined && session.signingRequired && !session.encrypted ? negotiated.signing : null,
    encryption: session?.encrypted === true || tree?.encrypted === true ? negotiated.encryption : null,
    signingRequired: negotiated.signingRequired,
    encrypted: session?.encrypted ?? false,
    negotiatedSigning: negotiated.signing,
    negotiatedCipher: negotiated.encryption,
    maxReadSize: negotiated.maxReadSize,
    maxWriteSize: negotiated.maxWriteSize,
    maxTransactSize: negotiated.maxTransactSize,
    capabilities: capabilityNames(negotiated.capabilities),
    serverGuid: negotiated.serverGuid,
    serverTime: negotiated.systemTime.toISOString(),
    authenticated: session !== undefined,
    auth: session === undefined || session.isAnonymous ? null : session.auth,
    guest: session?.isGuest ?? false,
    share: tree === undefined ? null : { name: tree.share, type: shareTypeName(tree.shareType), encrypted: tree.encrypted }
  }
}

const textValue = (key: string, value: unknown): string => {
  if (value === null) return "-"
  if (Array.isArray(value)) return value.join(" ")
  if (key === "share") {
    const share = value as { name: string; type: string; encrypted: boolean }
    return `${share.name} (${share.type}${share.encrypted ? ", encrypted" : ""})`
  }
  return String(value)
}

const text = (info: ReturnType<typeof describe>): string => {
  const rows = Object.entries(info).map(([key, value]) => [key, textValue(key, value)] as const)
  const width = Math.max(...rows.map(([key]) => key.length))
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n")
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "info",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Effect.gen(function*() {
        const target = yield* Connect.resolve(url, options)
        const connection = yield* Connect.connection(target, options)
        const session = Url.credentials(target) === undefined ? undefined : yield* Connect.session(connection, target, options)
        const tree = session === undefined || target.share === undefined ? undefined : yield* Connect.tree(session, target, options)
        // which worker ran the connection ("single", "parallel-fiber", "parallel-thread")
        const info = { ...describe(target, connection, session, tree), worker: (yield* connection.handler.stats).kind }
        yield* Console.log(options.json ? JSON.stringify(info) : text(info))
      })
    )
).pipe(Command.withDescription("Negotiate (and authenticate, with a user in the URL) and print the connection's properties."))
