/**
 * The `smb://` URLs the command-line tool takes:
 *
 *     smb://[[DOMAIN;]user[:password]@]host[:port][/share[/path...]]
 *
 * as in the SMB URL draft (draft-crhertel-smb-url), with every part percent-decoded. The user
 * info is split at the last "@" of the authority, so an "@" in a password may stay unencoded;
 * "?" and "#" in any part must be encoded (%3F, %23), "/" in the user info too (%2F). A
 * bracketed host is an IPv6 address. The share and path components are checked once decoded:
 * "." and "..", and a component holding "/", "\" or NUL, are refused rather than resolved, so
 * that a URL always names the file it spells, and `smb get` never turns its last component into
 * a local name outside the destination ("..%2F..%2Fx" would otherwise be "../../x").
 *
 * The password becomes `Redacted` as soon as it is decoded. `resolve` adds the SMB_PASSWORD
 * fallback (through Effect's `Config`, so tests can supply it); the commands take theirs from
 * Password.ts, which also reads --password-file and prompts.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Session from "../client/Session.js"
import { UrlError } from "./errors.js"

/**
 * A parsed URL. `share` is absent for a bare server URL; `path` holds the decoded components
 * after the share.
 *
 * @since 0.1.0
 * @category models
 */
export interface SmbUrl {
  readonly host: string
  readonly port: number | undefined
  readonly share: string | undefined
  readonly path: ReadonlyArray<string>
  readonly user: string | undefined
  readonly domain: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
}

const SHAPE = "smb://[[DOMAIN;]user[:password]@]host[:port][/share[/path]]"
const HOST_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/
const IPV6 = /^[0-9A-Fa-f:.]+$/

const fail = (reason: UrlError["reason"], detail: string) => Either.left(new UrlError({ reason, detail }))

const decode = (part: string, what: string): Either.Either<string, UrlError> => {
  try {
    return Either.right(decodeURIComponent(part))
  } catch (cause) {
    return Either.left(new UrlError({ reason: "Encoding", detail: `malformed percent-encoding in the ${what}`, cause }))
  }
}

const parseUserInfo = (info: string) =>
  Either.gen(function*() {
    const colon = info.indexOf(":")
    const account = colon < 0 ? info : info.slice(0, colon)
    const semicolon = account.indexOf(";")
    const domain = semicolon < 0 ? undefined : yield* decode(account.slice(0, semicolon), "domain")
    const user = yield* decode(semicolon < 0 ? account : account.slice(semicolon + 1), "user name")
    if (user === "") return yield* fail("UserInfo", "empty user name before '@'")
    if (domain === "") return yield* fail("UserInfo", "empty domain before ';'")
    const password = colon < 0 ? undefined : Redacted.make(yield* decode(info.slice(colon + 1), "password"))
    return { user, domain, password }
  })

const parsePort = (text: string) => {
  const port = Number(text)
  return /^[0-9]{1,5}$/.test(text) && port >= 1 && port <= 65535
    ? Either.right(port)
    : fail("Port", "the port must be a number from 1 to 65535")
}

const parseHostPort = (text: string) =>
  Either.gen(function*() {
    if (text.startsWith("[")) {
      const close = text.indexOf("]")
      const host = close < 0 ? "" : text.slice(1, close)
      if (!IPV6.test(host) || !host.includes(":")) return yield* fail("Host", "a bracketed host must be an IPv6 address")
      const rest = text.slice(close + 1)
      if (rest === "") return { host, port: undefined }
      if (!rest.startsWith(":")) return yield* fail("Host", "unexpected text after the IPv6 address")
      return { host, port: yield* parsePort(rest.slice(1)) }
    }
    const colon = text.indexOf(":")
    if (colon >= 0 && text.indexOf(":", colon + 1) >= 0) return yield* fail("Host", "an IPv6 address must be in brackets")
    const host = colon < 0 ? text : text.slice(0, colon)
    if (host === "") return yield* fail("Host", `no host name (expected ${SHAPE})`)
    if (!HOST_NAME.test(host)) return yield* fail("Host", "the host must be a DNS name, an IPv4 address or a bracketed IPv6 address")
    return { host, port: colon < 0 ? undefined : yield* parsePort(text.slice(colon + 1)) }
  })

const parsePath = (text: string) =>
  Either.gen(function*() {
    const components: Array<string> = []
    for (const raw of text.split("/")) {
      if (raw === "") continue
      const component = yield* decode(raw, "path")
      // Checked once decoded: "..%2F..%2Fx" must not become the local name "../../x".
      if (component === "." || component === "..") return yield* fail("Path", "'.' and '..' are not allowed in the path (also when percent-encoded)")
      if (/[/\\\0]/.test(component)) {
        return yield* fail("Path", "a decoded path component must not contain '/', '\\' or NUL (%2F, %5C, %00); separate components with '/'")
      }
      components.push(component)
    }
    return components
  })

/**
 * Parses a URL; the error says which part is wrong and never repeats the password.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string): Either.Either<SmbUrl, UrlError> =>
  Either.gen(function*() {
    if (!/^smb:\/\//i.test(text)) return yield* fail("Scheme", `expected ${SHAPE}`)
    const rest = text.slice("smb://".length)
    if (/[?#]/.test(rest)) return yield* fail("Path", "'?' and '#' must be percent-encoded (%3F, %23)")
    const slash = rest.indexOf("/")
    const authority = slash < 0 ? rest : rest.slice(0, slash)
    const at = authority.lastIndexOf("@")
    const info = at < 0 ? { user: undefined, domain: undefined, password: undefined } : yield* parseUserInfo(authority.slice(0, at))
    const { host, port } = yield* parseHostPort(authority.slice(at + 1))
    const [share, ...path] = yield* parsePath(slash < 0 ? "" : rest.slice(slash + 1))
    return { host, port, share, path, ...info }
  })

/**
 * The SMB_PASSWORD environment variable, when set.
 *
 * @since 0.1.0
 * @category parsing
 */
export const passwordFromEnv: Effect.Effect<Option.Option<Redacted.Redacted<string>>> = Config.option(
  Config.redacted("SMB_PASSWORD")
).pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>()))

/**
 * Parses a URL and, when it names a user but no password, takes the password from SMB_PASSWORD.
 *
 * @since 0.1.0
 * @category parsing
 */
export const resolve = (text: string): Effect.Effect<SmbUrl, UrlError> =>
  Effect.gen(function*() {
    const url = yield* parse(text)
    if (url.user === undefined || url.password !== undefined) return url
    const fromEnv = yield* passwordFromEnv
    return Option.isSome(fromEnv) ? { ...url, password: fromEnv.value } : url
  })

/**
 * Who to log on as: the URL's user (with an empty password when there is none), or nobody.
 *
 * @since 0.1.0
 * @category accessors
 */
export const credentials = (url: SmbUrl): Session.Credentials | undefined =>
  url.user === undefined ? undefined : Session.user(url.user, url.password ?? Redacted.make(""), url.domain ?? "")

/**
 * The URL written back, without its password (for messages).
 *
 * @since 0.1.0
 * @category accessors
 */
export const format = (url: SmbUrl): string => {
  const account = url.user === undefined
    ? ""
    : `${url.domain === undefined ? "" : `${encodeURIComponent(url.domain)};`}${encodeURIComponent(url.user)}@`
  const host = url.host.includes(":") ? `[${url.host}]` : url.host
  const port = url.port === undefined ? "" : `:${url.port}`
  const path = [url.share ?? "", ...url.path].filter((c) => c !== "").map((c) => `/${encodeURIComponent(c)}`).join("")
  return `smb://${account}${host}${port}${path}`
}

/**
 * The share-relative path as the file API takes it: components joined with "/" ("" for the
 * share root).
 *
 * @since 0.1.0
 * @category accessors
 */
export const filePath = (url: SmbUrl): string => url.path.join("/")

/**
 * The last path component (undefined at the share root).
 *
 * @since 0.1.0
 * @category accessors
 */
export const baseName = (url: SmbUrl): string | undefined => url.path[url.path.length - 1]
