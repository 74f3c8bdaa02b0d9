/**
 * Hex and text conversions shared by the tests. Hex input may contain white space (vectors are
 * often pasted in blocks); upper-case output matches how MS-NLMP and the Microsoft blog traces
 * print their bytes.
 */
export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"))

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

export const toUpperHex = (bytes: Uint8Array): string => toHex(bytes).toUpperCase()

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Splits `bytes` at the given cut points (taken modulo the length + 1, sorted): parts may be empty. */
export const splitAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)
  const parts: Array<Uint8Array> = []
  let from = 0
  for (const point of points) {
    parts.push(bytes.subarray(from, point))
    from = point
  }
  parts.push(bytes.subarray(from))
  return parts
}
