// examples/server.ts
/**
 * The server the examples talk to, as an Effect Config: SMB_URL names it,
 * smb://[DOMAIN;]user[:password]@host[:port]/share (parts percent-encoded), and SMB_PASSWORD
 * supplies the password when the URL has none. `npm run samba` starts a throwaway Samba and
 * prints both.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

export interface SmbServer {
  readonly host: string
  readonly port: number
  readonly share: string
  readonly user: string
  readonly domain: string
  readonly password: Redacted.Redacted
}

const SHAPE = "smb://[DOMAIN;]user[:password]@host[:port]/share"

const parse = (text: string, fallbackPassword: Option.Option<Redacted.Redacted>) => {
  const invalid = (why: string) => Either.left(ConfigError.InvalidData(["SMB_URL"], `${why}; expected ${SHAPE}`))
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return invalid("not a URL")
  }
  if (url.protocol !== "smb:") return invalid(`the scheme is ${url.protocol}`)
  const [share, ...rest] = url.pathname.split("/").filter((part) => part !== "")
  if (share === undefined || rest.length > 0) return invalid("the path must be a share name")
  if (url.username === "") return invalid("no user")
  try {
    const account = decodeURIComponent(url.username)
    const semicolon = account.indexOf(";")
    const server: SmbServer = {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? 445 : Number(url.port),
      share: decodeURIComponent(share),
      user: account.slice(semicolon + 1),
      domain: semicolon < 0 ? "" : account.slice(0, semicolon),
      password: url.password === ""
        ? Option.getOrElse(fallbackPassword, () => Redacted.make(""))
        : Redacted.make(decodeURIComponent(url.password))
    }
    return Either.right(server)
  } catch {
    return invalid("malformed percent-encoding")
  }
}

/** SMB_URL, with SMB_PASSWORD when the URL has no password. */
export const SmbServer: Config.Config<SmbServer> = Config.all({
  url: Config.string("SMB_URL"),
  password: Config.option(Config.redacted("SMB_PASSWORD"))
}).pipe(Config.mapOrFail(({ password, url }) => parse(url, password)))
