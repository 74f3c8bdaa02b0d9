/**
 * The per-session keys an SMB2/3 client derives from the authentication's session key
 * (MS-SMB2 3.2.5.3.1, mirrored by the server in 3.3.5.5.3):
 *
 * - 2.0.2 / 2.1: SigningKey is the session key itself (HMAC-SHA256 signing); no encryption.
 * - 3.0 / 3.0.2: KDF(SessionKey, label, context) with fixed contexts:
 *   "SMB2AESCMAC\0"/"SmbSign\0", "SMB2AESCCM\0"/"ServerIn \0" (client-to-server, our
 *   EncryptionKey), "SMB2AESCCM\0"/"ServerOut\0" (server-to-client, our DecryptionKey),
 *   "SMB2APP\0"/"SmbRpc\0".
 * - 3.1.1: labels "SMBSigningKey\0", "SMBC2SCipherKey\0", "SMBS2CCipherKey\0", "SMBAppKey\0", each
 *   with the session's preauth integrity hash (64 bytes) as context.
 *
 * SessionKey is the first 16 bytes of the authentication key, zero-padded (MS-SMB2 3.2.1.3).
 * With AES-256-CCM/GCM the two cipher keys are 256 bits (L = 256) and are derived from the full
 * session key (Session.FullSessionKey; NTLM only ever yields 16 bytes, Kerberos may yield 32).
 * Signing and application keys stay 128-bit (L = 128) whatever the cipher: that is what Windows
 * does, and what Samba and ksmbd converged on (ksmbd once used L = 256 for the signing key under
 * AES-256 and failed against Windows).
 *
 * The derived keys are plain Uint8Arrays for the per-frame hot path; the container never prints
 * them (toJSON, toString and Node's inspect are redacted).
 *
 * @since 0.1.0
 */
import { NodeInspectSymbol } from "effect/Inspectable"
import { Dialect } from "../wire/Negotiate.js"
import { Cipher } from "../wire/NegotiateContext.js"
import { cipherKeyLength } from "./Encryption.js"
import type { CipherId } from "./Encryption.js"
import { deriveKey } from "./Kdf.js"

/**
 * What the derivation needs, by dialect (`Dialect` of src/wire/Negotiate.ts). 3.1.1 needs the
 * session's preauth integrity hash and the negotiated cipher (if any); the earlier dialects need
 * neither.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionKeyInput =
  | {
    readonly dialect: typeof Dialect.SMB_2_0_2 | typeof Dialect.SMB_2_1 | typeof Dialect.SMB_3_0 | typeof Dialect.SMB_3_0_2
    readonly sessionKey: Uint8Array
  }
  | {
    readonly dialect: typeof Dialect.SMB_3_1_1
    readonly sessionKey: Uint8Array
    readonly preauthHash: Uint8Array
    readonly cipher?: CipherId | undefined
  }

const REDACTED = "<redacted>"

/**
 * The keys of one session. `encryptionKey` (client to server) and `decryptionKey` (server to
 * client) exist for the 3.x dialects only.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionKeys {
  constructor(
    readonly signingKey: Uint8Array,
    readonly applicationKey: Uint8Array,
    readonly encryptionKey: Uint8Array | undefined,
    readonly decryptionKey: Uint8Array | undefined
  ) {}

  toJSON(): unknown {
    return {
      _tag: "SessionKeys",
      signingKey: REDACTED,
      applicationKey: REDACTED,
      encryptionKey: this.encryptionKey === undefined ? undefined : REDACTED,
      decryptionKey: this.decryptionKey === undefined ? undefined : REDACTED
    }
  }

  toString(): string {
    return "SessionKeys(<redacted>)"
  }

  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

const SMB30 = {
  signing: [ascii("SMB2AESCMAC\0"), ascii("SmbSign\0")],
  encryption: [ascii("SMB2AESCCM\0"), ascii("ServerIn \0")],
  decryption: [ascii("SMB2AESCCM\0"), ascii("ServerOut\0")],
  application: [ascii("SMB2APP\0"), ascii("SmbRpc\0")]
} as const

const SMB311 = {
  signing: ascii("SMBSigningKey\0"),
  encryption: ascii("SMBC2SCipherKey\0"),
  decryption: ascii("SMBS2CCipherKey\0"),
  application: ascii("SMBAppKey\0")
} as const

/** Session.SessionKey: the first 16 bytes, right-padded with zeros (MS-SMB2 3.2.1.3). */
const first16 = (key: Uint8Array): Uint8Array => {
  const out = new Uint8Array(16)
  out.set(key.subarray(0, 16))
  return out
}

/**
 * Derives the session's keys for its dialect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const deriveSessionKeys = (input: SessionKeyInput): SessionKeys => {
  const sessionKey = first16(input.sessionKey)
  switch (input.dialect) {
    case Dialect.SMB_2_0_2:
    case Dialect.SMB_2_1:
      return new SessionKeys(sessionKey, sessionKey, undefined, undefined)
    case Dialect.SMB_3_0:
    case Dialect.SMB_3_0_2:
      return new SessionKeys(
        deriveKey(sessionKey, SMB30.signing[0], SMB30.signing[1], 128),
        deriveKey(sessionKey, SMB30.application[0], SMB30.application[1], 128),
        deriveKey(sessionKey, SMB30.encryption[0], SMB30.encryption[1], 128),
        deriveKey(sessionKey, SMB30.decryption[0], SMB30.decryption[1], 128)
      )
    case Dialect.SMB_3_1_1: {
      const context = input.preauthHash
      const wide = cipherKeyLength(input.cipher ?? Cipher.AES_128_GCM) === 32
      const cipherKey = wide ? input.sessionKey : sessionKey
      const length = wide ? 256 : 128
      return new SessionKeys(
        deriveKey(sessionKey, SMB311.signing, context, 128),
        deriveKey(sessionKey, SMB311.application, context, 128),
        deriveKey(cipherKey, SMB311.encryption, context, length),
        deriveKey(cipherKey, SMB311.decryption, context, length)
      )
    }
  }
}
