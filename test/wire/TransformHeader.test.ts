import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeTransformHeader,
  encodeTransformHeader,
  TRANSFORM_HEADER_SIZE,
  TransformFlags,
  transformAad,
  transformSignature,
  writeTransformHeader
} from "../../src/wire/TransformHeader.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, fixedBytes, u16, u32, u64, u8 } from "../support/codec.js"
import { fuzzDecoder } from "./wireTestKit.js"

// Encrypted WRITE request of the SMB 3.0 AES-128-CCM test vector in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective
const SMB300_WRITE_REQUEST = fromHex(
  "FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A744DA3EE87000000000001001100001400E4080025C8FEE1" +
    "6605A437832D1CD52DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A44C29BE5658DE2E6117585779E7B59FFD" +
    "971278D08580D7FA899E410E910EABF5AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6C627297075D84B78" +
    "03912D0A9639634453595EF3E33FFE4E7AC2AB"
)
// Encrypted WRITE request of appendix A.1 (AES-128-GCM) in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10
const SMB311_WRITE_REQUEST = fromHex(
  "FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C00000000870000000000010025000000001000006ECDD2A7" +
    "AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBF" +
    "AA75E49A4A394BB44576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E91AF013F00D17E3AB" +
    "C2FC3D36C8C1B6B93973253852DBD442E46EE8"
)
// The TRANSFORM_HEADERs of the other messages of the same two traces (WRITE response, READ
// request, READ response), with the plaintext size each one announces.
const OTHER_HEADERS: ReadonlyArray<readonly [string, number]> = [
  ["FD534D42A6015530A18F6D9AFFE22AFAE8E6648486000000000000001100001400E4080050000000000001001100001400E40800", 80],
  ["FD534D42E93601498B76D6F7A72D5EF9B6C79FAFA5123A25F983E245983F413B8B429AF271000000000001001100001400E40800", 113],
  ["FD534D42ABD518B68C2F04D7879F482B689EB83F87000000000000001100001400E4080067000000000001001100001400E40800", 103],
  ["FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000000001002500000000100000", 80],
  ["FD534D426DAC0B6FD85A3ED42BB917DA38FE0386D7AA8C6D36859243B715E0A60000000071000000000001002500000000100000", 113],
  ["FD534D427F714B3B9D8FA1198584E71C2BAA1CB6E16831DD2E8EB7B4000000000000000067000000000001002500000000100000", 103]
]

const transformHeader = FastCheck.record({
  signature: fixedBytes(16),
  nonce: fixedBytes(16),
  originalMessageSize: u32,
  flags: u16,
  sessionId: u64
})

describe("TRANSFORM_HEADER", () => {
  it("decodes the SMB 3.0 CCM trace, reserved nonce bytes included", () => {
    const header = expectRight(decodeTransformHeader(SMB300_WRITE_REQUEST))
    expect(toHex(header.signature)).toBe("81a286535415445dae393921e44fa42e")
    expect(toHex(header.nonce)).toBe("66e69a111892584fb5ed524a744da3ee")
    expect(header.originalMessageSize).toBe(135)
    expect(header.originalMessageSize).toBe(SMB300_WRITE_REQUEST.byteLength - TRANSFORM_HEADER_SIZE)
    expect(header.flags).toBe(TransformFlags.ENCRYPTED)
    expect(header.sessionId).toBe(0x0008e40014000011n)
    expect(toHex(encodeTransformHeader(header))).toBe(toHex(SMB300_WRITE_REQUEST.subarray(0, TRANSFORM_HEADER_SIZE)))
  })

  it("cuts the AAD the 3.0 trace prints", () => {
    expect(toHex(transformAad(SMB300_WRITE_REQUEST))).toBe(
      "66e69a111892584fb5ed524a744da3ee87000000000001001100001400e40800"
    )
  })

  it("decodes the SMB 3.1.1 GCM trace: a 12-byte nonce zero-padded to 16", () => {
    const header = expectRight(decodeTransformHeader(SMB311_WRITE_REQUEST))
    expect(toHex(header.signature)).toBe("bd73d97d2bc9001bcafac0fdff5feebc")
    expect(toHex(header.nonce)).toBe("c7d6822d269caf48904c664c00000000")
    expect(header.originalMessageSize).toBe(SMB311_WRITE_REQUEST.byteLength - TRANSFORM_HEADER_SIZE)
    expect(header.flags).toBe(TransformFlags.ENCRYPTED)
    expect(header.sessionId).toBe(0x0000100000000025n)
    expect(toHex(transformAad(SMB311_WRITE_REQUEST))).toBe(toHex(SMB311_WRITE_REQUEST.subarray(20, 52)))
  })

  it("decodes and re-encodes every header of both traces", () => {
    for (const [hex, size] of OTHER_HEADERS) {
      const header = expectRight(decodeTransformHeader(fromHex(hex)))
      expect(header.originalMessageSize).toBe(size)
      expect(header.flags).toBe(TransformFlags.ENCRYPTED)
      expect(toHex(encodeTransformHeader(header))).toBe(hex.toLowerCase())
    }
  })

  it("zero-pads a short nonce, so that the AAD of an encoded header is ready for CCM or GCM", () => {
    const encoded = encodeTransformHeader({
      signature: new Uint8Array(16),
      nonce: fromHex("0102030405060708090a0b"),
      originalMessageSize: 4,
      flags: TransformFlags.ENCRYPTED,
      sessionId: 1n
    })
    expect(toHex(transformAad(encoded))).toBe(
      "0102030405060708090a0b0000000000" + "04000000" + "0000" + "0100" + "0100000000000000"
    )
  })

  it("rejects a plain SMB2 header and a short frame", () => {
    const plain = Uint8Array.from(SMB300_WRITE_REQUEST)
    plain[0] = 0xfe
    expect(expectLeft(decodeTransformHeader(plain)).field).toBe("ProtocolId")
    expect(expectLeft(decodeTransformHeader(SMB300_WRITE_REQUEST.subarray(0, 51))).field).toBe("TransformHeader")
  })

  it.prop(
    "round-trips, with or without a payload after the header",
    { header: transformHeader, payload: bytes(40) },
    ({ header, payload }) => {
      const frame = new Uint8Array(TRANSFORM_HEADER_SIZE + payload.byteLength)
      frame.set(encodeTransformHeader(header))
      frame.set(payload, TRANSFORM_HEADER_SIZE)
      expect(expectRight(decodeTransformHeader(frame))).toEqual(header)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  it.prop(
    "writes in place at an offset over dirty bytes, zeroing the Signature when it is left out",
    { header: transformHeader, offset: FastCheck.nat({ max: 16 }), fill: u8 },
    ({ fill, header, offset }) => {
      const out = new Uint8Array(offset + TRANSFORM_HEADER_SIZE + 4).fill(fill)
      const { signature, ...fields } = header
      writeTransformHeader(out, offset, fields)
      const written = out.subarray(offset)
      expect(toHex(written.subarray(0, TRANSFORM_HEADER_SIZE))).toBe(
        toHex(encodeTransformHeader({ ...header, signature: new Uint8Array(16) }))
      )
      expect(Array.from(out.subarray(0, offset)).every((b) => b === fill)).toBe(true)
      expect(Array.from(written.subarray(TRANSFORM_HEADER_SIZE)).every((b) => b === fill)).toBe(true)
      transformSignature(written).set(signature)
      expect(expectRight(decodeTransformHeader(written))).toEqual(header)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  fuzzDecoder("decodeTransformHeader", decodeTransformHeader, {
    seeds: [SMB300_WRITE_REQUEST, SMB311_WRITE_REQUEST, ...OTHER_HEADERS.map(([hex]) => fromHex(hex))],
    numRuns: 800,
    reencode: encodeTransformHeader,
    prefix: fromHex("FD534D42")
  })
})
