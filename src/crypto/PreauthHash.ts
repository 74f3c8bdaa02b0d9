/**
 * The SMB 3.1.1 preauthentication integrity hash (MS-SMB2 3.2.5.2, 3.2.5.3.1): a SHA-512 chain
 * that starts at 64 zero bytes and absorbs each NEGOTIATE and SESSION_SETUP message whole,
 * H' = SHA-512(H || message). The connection's chain covers the NEGOTIATE exchange; each session
 * continues from it over its SESSION_SETUP messages (all but the final, successful response) and
 * the result becomes the KDF context of the session's keys.
 *
 * Immutable, so forking a session's chain from the connection's is just keeping the value.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"

/**
 * @since 0.1.0
 * @category models
 */
export class PreauthHash {
  /** The chain before any message: 64 zero bytes. */
  static readonly initial: PreauthHash = new PreauthHash(new Uint8Array(64))

  private constructor(
    /** The 64-byte hash value. */
    readonly value: Uint8Array
  ) {}

  /** The chain after `message` (given whole or in parts). */
  update(message: Uint8Array | ReadonlyArray<Uint8Array>): PreauthHash {
    const hash = createHash("sha512").update(this.value)
    if (message instanceof Uint8Array) hash.update(message)
    else for (const part of message) hash.update(part)
    return new PreauthHash(new Uint8Array(hash.digest()))
  }
}
