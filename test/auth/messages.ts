/** Pulls the pieces the auth tests need out of whole SMB2 messages and NTLM messages. */
import { fromHex } from "../support/bytes.js"

const u16 = (bytes: Uint8Array, at: number): number => bytes[at]! | (bytes[at + 1]! << 8)
const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true)

/** The security buffer of an SMB2 NEGOTIATE response or SESSION_SETUP request/response (MS-SMB2 2.2.4, 2.2.5, 2.2.6). */
export const securityBuffer = (messageHex: string): Uint8Array => {
  const bytes = fromHex(messageHex)
  const command = u16(bytes, 12)
  const response = (u32(bytes, 16) & 1) !== 0
  const at = command === 0 ? 64 + 56 : response ? 64 + 4 : 64 + 12
  return bytes.subarray(u16(bytes, at), u16(bytes, at) + u16(bytes, at + 2))
}

/** A payload field of an NTLM message, by its descriptor offset (MS-NLMP 2.2.1.3). */
export const ntlmField = (message: Uint8Array, descriptor: number): Uint8Array => {
  const length = u16(message, descriptor)
  const offset = u32(message, descriptor + 4)
  return message.subarray(offset, offset + length)
}

export const AUTHENTICATE = {
  lmChallengeResponse: 12,
  ntChallengeResponse: 20,
  domainName: 28,
  userName: 36,
  workstation: 44,
  encryptedRandomSessionKey: 52
} as const

export const authenticateFlags = (message: Uint8Array): number => u32(message, 60)
