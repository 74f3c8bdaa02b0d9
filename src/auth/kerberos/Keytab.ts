/**
 * Reads MIT keytab files (format 0x0502, and 0x0501 without name types), as `ktutil` and
 * `samba-tool domain exportkeytab` write them: a service, or a script, logs on with the long-term
 * key and no password. Deleted entries (negative sizes) are skipped; the 32-bit kvno at the end of
 * an entry replaces the 8-bit one when present. Bounds-checked; failures are DecodeErrors.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../../errors.js"
import { decode, Reader } from "../../wire/Reader.js"

/** @since 0.1.0 @category models */
export interface KeytabEntry {
  readonly realm: string
  readonly components: ReadonlyArray<string>
  readonly nameType: number
  readonly kvno: number
  readonly keytype: number
  readonly key: Uint8Array
}

const STRUCTURE = "MIT keytab"
const text = new TextDecoder()

/** @since 0.1.0 @category decoding */
export const decodeKeytab = (bytes: Uint8Array): Either.Either<ReadonlyArray<KeytabEntry>, DecodeError> =>
  decode(STRUCTURE, () => {
    const r = new Reader(bytes, STRUCTURE)
    const version = r.u8(1, "version")
    if (r.u8(0, "version") !== 5 || (version !== 1 && version !== 2)) r.fail("version", "Invalid", "not a keytab (0x0501/0x0502)", 0)
    const entries: Array<KeytabEntry> = []
    let at = 2
    while (at + 4 <= bytes.byteLength) {
      r.need(at, 4, "size")
      const size = r.view.getInt32(at)
      at += 4
      if (size === 0) break
      if (size < 0) {
        at += -size
        continue
      }
      r.need(at, size, "entry")
      const end = at + size
      let p = at
      const u16 = (field: string) => {
        if (p + 2 > end) r.fail(field, "OutOfBounds", "past the entry", p)
        const v = r.view.getUint16(p)
        p += 2
        return v
      }
      const u32 = (field: string) => {
        if (p + 4 > end) r.fail(field, "OutOfBounds", "past the entry", p)
        const v = r.view.getUint32(p)
        p += 4
        return v
      }
      const data = (field: string) => {
        const length = u16(field)
        if (p + length > end) r.fail(field, "OutOfBounds", "past the entry", p)
        const out = bytes.subarray(p, p + length)
        p += length
        return out
      }
      const count = u16("num_components") - (version === 1 ? 1 : 0)
      const realm = text.decode(data("realm"))
      const components: Array<string> = []
      for (let i = 0; i < count; i++) components.push(text.decode(data("component")))
      const nameType = version === 2 ? u32("name_type") : 1
      u32("timestamp")
      if (p + 1 > end) r.fail("vno8", "OutOfBounds", "past the entry", p)
      let kvno = r.u8(p++, "vno8")
      const keytype = u16("keytype")
      const key = data("key")
      if (p + 4 <= end) kvno = u32("vno")
      entries.push({ realm, components, nameType, kvno, keytype, key })
      at = end
    }
    return entries
  })
