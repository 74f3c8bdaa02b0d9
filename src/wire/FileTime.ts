/**
 * FILETIME (MS-DTYP 2.3.3): a count of 100-nanosecond intervals since 1601-01-01 UTC, as the
 * bigint the codecs carry. Conversions to and from JavaScript dates live here so that the file
 * API and the fake server agree on them.
 *
 * @since 0.1.0
 */

/** 100-ns intervals between 1601-01-01 and 1970-01-01. @since 0.1.0 @category constants */
export const UNIX_EPOCH_AS_FILETIME = 116444736000000000n

const TICKS_PER_MILLISECOND = 10_000n

/**
 * Converts a FILETIME to a Date (millisecond precision; sub-millisecond ticks are dropped).
 *
 * @since 0.1.0
 * @category conversions
 */
export const fileTimeToDate = (fileTime: bigint): Date =>
  new Date(Number((fileTime - UNIX_EPOCH_AS_FILETIME) / TICKS_PER_MILLISECOND))

/**
 * Converts a Date (or milliseconds since the Unix epoch) to a FILETIME.
 *
 * @since 0.1.0
 * @category conversions
 */
export const dateToFileTime = (date: Date | number): bigint => {
  const millis = typeof date === "number" ? date : date.getTime()
  return BigInt(Math.trunc(millis)) * TICKS_PER_MILLISECOND + UNIX_EPOCH_AS_FILETIME
}
