/**
 * A server's NEGOTIATE response body as the scriptable peers send it: 1 MiB sizes, a fixed
 * clock, and on 3.1.1 a SHA-512 preauth context plus whatever contexts the test adds.
 */
import type { NegotiateContext } from "../../src/wire/NegotiateContext.js"
import { HashAlgorithm } from "../../src/wire/NegotiateContext.js"
import { Capabilities, Dialect, encodeNegotiateResponse, SecurityMode } from "../../src/wire/Negotiate.js"

export const negotiateResponseBody = (options: {
  readonly dialect: number
  readonly securityMode?: number
  readonly capabilities?: number
  readonly serverGuid?: Uint8Array
  /** 3.1.1 only, after the preauth integrity context. */
  readonly contexts?: ReadonlyArray<NegotiateContext>
}): Uint8Array =>
  encodeNegotiateResponse({
    securityMode: options.securityMode ?? SecurityMode.SIGNING_ENABLED,
    dialectRevision: options.dialect,
    serverGuid: options.serverGuid ?? new Uint8Array(16).fill(0xab),
    capabilities: options.capabilities ?? Capabilities.LARGE_MTU,
    maxTransactSize: 1 << 20,
    maxReadSize: 1 << 20,
    maxWriteSize: 1 << 20,
    systemTime: 133_000_000_000_000_000n,
    serverStartTime: 0n,
    securityBuffer: new Uint8Array(0),
    negotiateContexts: options.dialect === Dialect.SMB_3_1_1
      ? [{ _tag: "PreauthIntegrity", hashAlgorithms: [HashAlgorithm.SHA_512], salt: new Uint8Array(32).fill(7) }, ...(options.contexts ?? [])]
      : []
  })
