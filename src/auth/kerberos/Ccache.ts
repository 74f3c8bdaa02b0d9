/**
 * Reads MIT credential caches (the FILE: type, format version 4 as `kinit` writes it, and
 * version 3), so that a user with a ticket needs no password. Only what a client needs is kept:
 * each credential's client and server principals, session key, times and ticket. Configuration
 * entries (realm X-CACHECONF:) are skipped. Bounds-checked; failures are DecodeErrors.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../../errors.js"
import { decode, Reader } from "../../wire/Reader.js"

/** @since 0.1.0 @category models */
export interface CcachePrincipal {
  readonly type: number
  readonly realm: string
  readonly components: ReadonlyArray<string>
}

/** @since 0.1.0 @category models */
export interface Credential {
  readonly client: CcachePrincipal
  readonly server: CcachePrincipal
  readonly keytype: number
  readonly key: Uint8Array
  readonly authtime: Date
  readonly endtime: Date
  /** The Ticket's DER. */
  readonly ticket: Uint8Array
}

/** @since 0.1.0 @category models */
export interface Ccache {
  readonly principal: CcachePrincipal
  readonly credentials: ReadonlyArray<Credential>
}

const STRUCTURE = "MIT ccache"
const latin = new TextDecoder()

/** @since 0.1.0 @category decoding */
export const decodeCcache = (bytes: Uint8Array): Either.Either<Ccache, DecodeError> =>
  decode(STRUCTURE, () => {
    const r = new Reader(bytes, STRUCTURE)
    let at = 0
    const u8 = (field: string) => r.u8(at++, field)
    const u16 = (field: string) => {
      r.need(at, 2, field)
      const v = r.view.getUint16(at)
      at += 2
      return v
    }
    const u32 = (field: string) => {
      r.need(at, 4, field)
      const v = r.view.getUint32(at)
      at += 4
      return v
    }
    const data = (field: string) => {
      const length = u32(field)
      const out = r.bytesAt(at, length, field)
      at += length
      return out
    }
    const version = u16("version")
    if (version !== 0x0504 && version !== 0x0503) r.fail("version", "Invalid", `unsupported version 0x${version.toString(16)}`, 0)
    if (version === 0x0504) {
      const headerLength = u16("header length")
      at += headerLength
    }
    const principal = (field: string): CcachePrincipal => {
      const type = u32(field)
      const count = u32(field)
      if (count > 64) r.fail(field, "Invalid", `${count} components`, at)
      const realm = latin.decode(data(field))
      const components: Array<string> = []
      for (let i = 0; i < count; i++) components.push(latin.decode(data(field)))
      return { type, realm, components }
    }
    const main = principal("principal")
    const credentials: Array<Credential> = []
    while (at < bytes.byteLength) {
      const client = principal("client")
      const server = principal("server")
      const keytype = u16("keytype")
      if (version === 0x0503) u16("keytype")
      const key = data("key")
      const authtime = u32("authtime")
      u32("starttime")
      const endtime = u32("endtime")
      u32("renew_till")
      u8("is_skey")
      u32("ticket_flags")
      for (let n = u32("addresses"); n > 0; n--) {
        u16("address type")
        data("address")
      }
      for (let n = u32("authdata"); n > 0; n--) {
        u16("authdata type")
        data("authdata")
      }
      const ticket = data("ticket")
      data("second_ticket")
      if (server.realm === "X-CACHECONF:") continue
      credentials.push({ client, server, keytype, key, authtime: new Date(authtime * 1000), endtime: new Date(endtime * 1000), ticket })
    }
    return { principal: main, credentials }
  })

/**
 * The cache file named by KRB5CCNAME ("FILE:/path" or a bare path), else MIT's default
 * /tmp/krb5cc_UID. Other cache types (KEYRING:, KCM:, DIR:) are not read.
 *
 * @since 0.1.0
 */
export const defaultPath = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const name = env.KRB5CCNAME
  if (name === undefined || name === "") return process.getuid === undefined ? undefined : `/tmp/krb5cc_${process.getuid()}`
  if (name.startsWith("FILE:")) return name.slice(5)
  return name.includes(":") && !name.startsWith("/") ? undefined : name
}
