/**
 * The part of krb5.conf (MIT's format) this client reads: `[libdefaults] default_realm` and each
 * realm's `kdc` lines under `[realms]`. Everything else (profiles, includes, domain_realm, DNS
 * lookups) is ignored: a user who needs more names the realm and KDC in the options.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"

/** @since 0.1.0 @category models */
export interface Krb5Conf {
  readonly defaultRealm: string | undefined
  /** KDCs per realm (upper case), as written: "host" or "host:port". */
  readonly kdcs: Readonly<Record<string, ReadonlyArray<string>>>
}

/** @since 0.1.0 @category parsing */
export const parse = (text: string): Krb5Conf => {
  let section = ""
  let realm: string | undefined
  let defaultRealm: string | undefined
  const kdcs: Record<string, Array<string>> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, "").trim()
    if (line === "") continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]!.trim()
      realm = undefined
      continue
    }
    if (section === "libdefaults") {
      const m = /^default_realm\s*=\s*(\S+)/.exec(line)
      if (m !== null) defaultRealm = m[1]
    } else if (section === "realms") {
      const open = /^(\S+)\s*=\s*\{$/.exec(line)
      if (open !== null) {
        realm = open[1]!.toUpperCase()
        continue
      }
      if (line === "}") {
        realm = undefined
        continue
      }
      const kdc = /^kdc\s*=\s*(\S+)/.exec(line)
      if (kdc !== null && realm !== undefined) (kdcs[realm] ??= []).push(kdc[1]!)
    }
  }
  return { defaultRealm, kdcs }
}

/**
 * The file named by KRB5_CONFIG (its first entry), else /etc/krb5.conf; an empty configuration
 * when it cannot be read.
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (env: NodeJS.ProcessEnv = process.env, path?: string): Krb5Conf => {
  const file = path ?? env.KRB5_CONFIG?.split(":")[0] ?? "/etc/krb5.conf"
  try {
    return parse(readFileSync(file, "utf8"))
  } catch {
    return { defaultRealm: undefined, kdcs: {} }
  }
}
