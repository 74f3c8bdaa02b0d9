/** Hex helpers for the crypto and auth tests. */
export const unhex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"))
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex").toUpperCase()
export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
