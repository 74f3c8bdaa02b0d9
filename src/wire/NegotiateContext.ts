/**
 * SMB 3.1.1 negotiate contexts (MS-SMB2 2.2.3.1): the typed list that follows a NEGOTIATE request
 * or response. Each context is ContextType (2) + DataLength (2) + Reserved (4) + Data, and every
 * context after the first starts on an 8-byte boundary of the message. Known types are decoded
 * into fields; any other type is kept as raw bytes so that a newer server never breaks decoding.
 *
 * @since 0.1.0
 */
import { align8, concatBytes, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const NegotiateContextType = {
  PREAUTH_INTEGRITY_CAPABILITIES: 0x0001,
  ENCRYPTION_CAPABILITIES: 0x0002,
  COMPRESSION_CAPABILITIES: 0x0003,
  NETNAME_NEGOTIATE_CONTEXT_ID: 0x0005,
  TRANSPORT_CAPABILITIES: 0x0006,
  RDMA_TRANSFORM_CAPABILITIES: 0x0007,
  SIGNING_CAPABILITIES: 0x0008
} as const

/** Preauth integrity hash algorithms (2.2.3.1.1). @since 0.1.0 @category constants */
export const HashAlgorithm = {
  SHA_512: 0x0001
} as const

/** Encryption ciphers (2.2.3.1.2). @since 0.1.0 @category constants */
export const Cipher = {
  AES_128_CCM: 0x0001,
  AES_128_GCM: 0x0002,
  AES_256_CCM: 0x0003,
  AES_256_GCM: 0x0004
} as const

/**
 * Compression algorithm ids (2.2.3.1.3), shared with COMPRESSION_TRANSFORM_HEADER.
 *
 * @since 0.1.0
 * @category constants
 */
export const CompressionAlgorithm = {
  NONE: 0x0000,
  LZNT1: 0x0001,
  LZ77: 0x0002,
  LZ77_HUFFMAN: 0x0003,
  PATTERN_V1: 0x0004,
  LZ4: 0x0005
} as const

/** Flags of SMB2_COMPRESSION_CAPABILITIES. @since 0.1.0 @category constants */
export const CompressionCapabilitiesFlags = {
  NONE: 0x00000000,
  CHAINED: 0x00000001
} as const

/** Signing algorithms (2.2.3.1.7). @since 0.1.0 @category constants */
export const SigningAlgorithm = {
  HMAC_SHA256: 0x0000,
  AES_CMAC: 0x0001,
  AES_GMAC: 0x0002
} as const

/** Flags of SMB2_TRANSPORT_CAPABILITIES (2.2.3.1.5). @since 0.1.0 @category constants */
export const TransportCapabilitiesFlags = {
  ACCEPT_TRANSPORT_LEVEL_SECURITY: 0x00000001
} as const

/** RDMA transform ids (2.2.3.1.6). @since 0.1.0 @category constants */
export const RdmaTransformId = {
  NONE: 0x0000,
  ENCRYPTION: 0x0001,
  SIGNING: 0x0002
} as const

/** @since 0.1.0 @category models */
export interface PreauthIntegrityContext {
  readonly _tag: "PreauthIntegrity"
  readonly hashAlgorithms: ReadonlyArray<number>
  readonly salt: Uint8Array
}

/** @since 0.1.0 @category models */
export interface EncryptionContext {
  readonly _tag: "Encryption"
  readonly ciphers: ReadonlyArray<number>
}

/** @since 0.1.0 @category models */
export interface CompressionContext {
  readonly _tag: "Compression"
  readonly flags: number
  readonly algorithms: ReadonlyArray<number>
}

/** @since 0.1.0 @category models */
export interface NetNameContext {
  readonly _tag: "NetName"
  readonly netName: string
}

/** @since 0.1.0 @category models */
export interface TransportContext {
  readonly _tag: "Transport"
  readonly flags: number
}

/** @since 0.1.0 @category models */
export interface RdmaTransformContext {
  readonly _tag: "RdmaTransform"
  readonly transformIds: ReadonlyArray<number>
}

/** @since 0.1.0 @category models */
export interface SigningContext {
  readonly _tag: "Signing"
  readonly algorithms: ReadonlyArray<number>
}

/**
 * A context of a type this module does not decode. `type` must not be one of the known types
 * (it would decode as that type).
 *
 * @since 0.1.0
 * @category models
 */
export interface UnknownContext {
  readonly _tag: "Unknown"
  readonly type: number
  readonly data: Uint8Array
}

/** @since 0.1.0 @category models */
export type NegotiateContext =
  | PreauthIntegrityContext
  | EncryptionContext
  | CompressionContext
  | NetNameContext
  | TransportContext
  | RdmaTransformContext
  | SigningContext
  | UnknownContext

const CONTEXT_HEADER_SIZE = 8

const u16List = (values: ReadonlyArray<number>, out: DataView, at: number): void => {
  values.forEach((value, i) => out.setUint16(at + i * 2, value, true))
}

const readU16List = (r: Reader, at: number, count: number, field: string): ReadonlyArray<number> => {
  r.need(at, count * 2, field)
  const values: Array<number> = []
  for (let i = 0; i < count; i++) values.push(r.u16(at + i * 2, field))
  return values
}

const contextType = (context: NegotiateContext): number => {
  switch (context._tag) {
    case "PreauthIntegrity":
      return NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES
    case "Encryption":
      return NegotiateContextType.ENCRYPTION_CAPABILITIES
    case "Compression":
      return NegotiateContextType.COMPRESSION_CAPABILITIES
    case "NetName":
      return NegotiateContextType.NETNAME_NEGOTIATE_CONTEXT_ID
    case "Transport":
      return NegotiateContextType.TRANSPORT_CAPABILITIES
    case "RdmaTransform":
      return NegotiateContextType.RDMA_TRANSFORM_CAPABILITIES
    case "Signing":
      return NegotiateContextType.SIGNING_CAPABILITIES
    case "Unknown":
      return context.type
  }
}

const encodeData = (context: NegotiateContext): Uint8Array => {
  switch (context._tag) {
    case "PreauthIntegrity": {
      const out = new Uint8Array(4 + context.hashAlgorithms.length * 2 + context.salt.byteLength)
      const v = viewOf(out)
      v.setUint16(0, context.hashAlgorithms.length, true)
      v.setUint16(2, context.salt.byteLength, true)
      u16List(context.hashAlgorithms, v, 4)
      out.set(context.salt, 4 + context.hashAlgorithms.length * 2)
      return out
    }
    case "Encryption":
    case "Signing": {
      const values = context._tag === "Encryption" ? context.ciphers : context.algorithms
      const out = new Uint8Array(2 + values.length * 2)
      const v = viewOf(out)
      v.setUint16(0, values.length, true)
      u16List(values, v, 2)
      return out
    }
    case "Compression": {
      const out = new Uint8Array(8 + context.algorithms.length * 2)
      const v = viewOf(out)
      v.setUint16(0, context.algorithms.length, true)
      v.setUint32(4, context.flags >>> 0, true)
      u16List(context.algorithms, v, 8)
      return out
    }
    case "NetName":
      return encodeUtf16(context.netName)
    case "Transport": {
      const out = new Uint8Array(4)
      viewOf(out).setUint32(0, context.flags >>> 0, true)
      return out
    }
    case "RdmaTransform": {
      const out = new Uint8Array(8 + context.transformIds.length * 2)
      const v = viewOf(out)
      v.setUint16(0, context.transformIds.length, true)
      u16List(context.transformIds, v, 8)
      return out
    }
    case "Unknown":
      return context.data
  }
}

/**
 * One context: the 8-byte context header and its data, without trailing padding.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegotiateContext = (context: NegotiateContext): Uint8Array => {
  const data = encodeData(context)
  const out = new Uint8Array(CONTEXT_HEADER_SIZE + data.byteLength)
  const v = viewOf(out)
  v.setUint16(0, contextType(context), true)
  v.setUint16(2, data.byteLength, true)
  out.set(data, CONTEXT_HEADER_SIZE)
  return out
}

/**
 * A NegotiateContextList: each context padded to 8 bytes except the last. The list must be placed
 * at an 8-byte aligned offset of the message for the padding to align the contexts.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegotiateContextList = (contexts: ReadonlyArray<NegotiateContext>): Uint8Array => {
  const parts: Array<Uint8Array> = []
  contexts.forEach((context, i) => {
    const encoded = encodeNegotiateContext(context)
    parts.push(encoded)
    const padding = align8(encoded.byteLength) - encoded.byteLength
    if (i < contexts.length - 1 && padding > 0) parts.push(new Uint8Array(padding))
  })
  return concatBytes(parts)
}

const decodeData = (type: number, data: Uint8Array): NegotiateContext => {
  switch (type) {
    case NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES: {
      const r = new Reader(data, "PreauthIntegrityCapabilities")
      const count = r.u16(0, "HashAlgorithmCount")
      const saltLength = r.u16(2, "SaltLength")
      const hashAlgorithms = readU16List(r, 4, count, "HashAlgorithms")
      return { _tag: "PreauthIntegrity", hashAlgorithms, salt: r.bytesAt(4 + count * 2, saltLength, "Salt") }
    }
    case NegotiateContextType.ENCRYPTION_CAPABILITIES: {
      const r = new Reader(data, "EncryptionCapabilities")
      return { _tag: "Encryption", ciphers: readU16List(r, 2, r.u16(0, "CipherCount"), "Ciphers") }
    }
    case NegotiateContextType.COMPRESSION_CAPABILITIES: {
      const r = new Reader(data, "CompressionCapabilities")
      const count = r.u16(0, "CompressionAlgorithmCount")
      const flags = r.u32(4, "Flags")
      return { _tag: "Compression", flags, algorithms: readU16List(r, 8, count, "CompressionAlgorithms") }
    }
    case NegotiateContextType.NETNAME_NEGOTIATE_CONTEXT_ID: {
      const r = new Reader(data, "NetnameNegotiateContextId")
      return { _tag: "NetName", netName: r.utf16At(0, data.byteLength, "NetName") }
    }
    case NegotiateContextType.TRANSPORT_CAPABILITIES: {
      const r = new Reader(data, "TransportCapabilities")
      return { _tag: "Transport", flags: r.u32(0, "Flags") }
    }
    case NegotiateContextType.RDMA_TRANSFORM_CAPABILITIES: {
      const r = new Reader(data, "RdmaTransformCapabilities")
      const count = r.u16(0, "TransformCount")
      return { _tag: "RdmaTransform", transformIds: readU16List(r, 8, count, "RDMATransformIds") }
    }
    case NegotiateContextType.SIGNING_CAPABILITIES: {
      const r = new Reader(data, "SigningCapabilities")
      const count = r.u16(0, "SigningAlgorithmCount")
      return { _tag: "Signing", algorithms: readU16List(r, 2, count, "SigningAlgorithms") }
    }
    default:
      return { _tag: "Unknown", type, data }
  }
}

/**
 * Reads `count` contexts starting at `offset` of the message behind `r` (throws DecodeError
 * inside a `decode` body). Bytes past a known structure but inside DataLength are ignored.
 *
 * @since 0.1.0
 * @category decoding
 */
export const readNegotiateContextList = (r: Reader, offset: number, count: number): ReadonlyArray<NegotiateContext> => {
  if (count === 0) return []
  if (offset % 8 !== 0) r.fail("NegotiateContextOffset", "Invalid", `${offset} is not 8-byte aligned`, offset)
  const contexts: Array<NegotiateContext> = []
  let at = offset
  for (let i = 0; i < count; i++) {
    at = align8(at)
    const type = r.u16(at, "NegotiateContext.ContextType")
    const dataLength = r.u16(at + 2, "NegotiateContext.DataLength")
    r.need(at, CONTEXT_HEADER_SIZE, "NegotiateContext")
    const data = r.bytesAt(at + CONTEXT_HEADER_SIZE, dataLength, "NegotiateContext.Data")
    contexts.push(decodeData(type, data))
    at += CONTEXT_HEADER_SIZE + dataLength
  }
  return contexts
}

// Names as users write them ("AES-128-GCM"), for options, the CLI and errors.

/** @since 0.1.0 @category models */
export type CipherName = "AES-128-CCM" | "AES-128-GCM" | "AES-256-CCM" | "AES-256-GCM"
/** @since 0.1.0 @category models */
export type SigningName = "HMAC-SHA256" | "AES-128-CMAC" | "AES-128-GMAC"

/** @since 0.1.0 @category constants */
export const ciphers: ReadonlyArray<readonly [CipherName, number]> = [
  ["AES-128-GCM", Cipher.AES_128_GCM],
  ["AES-128-CCM", Cipher.AES_128_CCM],
  ["AES-256-GCM", Cipher.AES_256_GCM],
  ["AES-256-CCM", Cipher.AES_256_CCM]
]
/** @since 0.1.0 @category constants */
export const signingAlgorithms: ReadonlyArray<readonly [SigningName, number]> = [
  ["AES-128-GMAC", SigningAlgorithm.AES_GMAC],
  ["AES-128-CMAC", SigningAlgorithm.AES_CMAC],
  ["HMAC-SHA256", SigningAlgorithm.HMAC_SHA256]
]

/** @internal */
export const byName = <N extends string>(table: ReadonlyArray<readonly [N, number]>) => (name: N): number =>
  table.find(([n]) => n === name)![1]
/** @internal */
export const byValue = <N extends string>(table: ReadonlyArray<readonly [N, number]>) => (value: number): N | undefined =>
  table.find(([, v]) => v === value)?.[0]

/** @since 0.1.0 */
export const cipherValue = byName(ciphers)
/** @since 0.1.0 */
export const cipherName = byValue(ciphers)
/** @since 0.1.0 */
export const signingValue = byName(signingAlgorithms)
/** @since 0.1.0 */
export const signingName = byValue(signingAlgorithms)
