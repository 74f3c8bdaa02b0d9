/**
 * The SMB 3.x cryptography: the key derivation function, per-session keys, message signing and
 * verification, AEAD encryption behind the TRANSFORM_HEADER and the preauth integrity hash.
 * Plain synchronous functions over node:crypto. The algorithm ids they take (`Cipher`,
 * `SigningAlgorithm`, `Dialect`) live in the wire modules that carry them on the wire.
 * AES-CMAC (Cmac.ts) is an internal piece of Signing and is not exported.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Encryption from "./Encryption.js"

/** @since 0.1.0 */
export * as Kdf from "./Kdf.js"

/** @since 0.1.0 */
export * as PreauthHash from "./PreauthHash.js"

/** @since 0.1.0 */
export * as SessionKeys from "./SessionKeys.js"

/** @since 0.1.0 */
export * as Signing from "./Signing.js"
