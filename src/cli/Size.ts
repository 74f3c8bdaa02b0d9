/**
 * Byte counts as people read them (binary units), for the commands that print sizes.
 *
 * @since 0.1.0
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]

/**
 * "512 B", "1.5 KiB", "3.0 GiB": one decimal from KiB up.
 *
 * @since 0.1.0
 * @category formatting
 */
export const readable = (bytes: number): string => {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}
