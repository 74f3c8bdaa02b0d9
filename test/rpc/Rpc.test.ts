/**
 * Bind, call and share enumeration (src/rpc/Rpc.ts, src/rpc/Shares.ts) over a scripted message
 * pipe: responses split into fragments (PFC_LAST_FRAG) and cut by a small transceive output
 * (STATUS_BUFFER_OVERFLOW, then READ) reassemble to the same shares; faults, refusals, return
 * statuses and protocol violations come back as their typed errors.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { PipeData, PipeShape } from "../../src/rpc/Pipe.js"
import type { Pdu } from "../../src/rpc/Pdu.js"
import {
  ContextResult,
  decodePdu,
  encodeBindAck,
  encodeBindNak,
  encodeFault,
  encodeResponse,
  PfcFlags
} from "../../src/rpc/Pdu.js"
import * as Rpc from "../../src/rpc/Rpc.js"
import * as Shares from "../../src/rpc/Shares.js"
import type { ShareInfo1 } from "../../src/rpc/Srvsvc.js"
import { decodeNetrShareEnumRequest, encodeNetrShareEnumResponse, NDR20, SRVSVC } from "../../src/rpc/Srvsvc.js"
import { u32 } from "../support/codec.js"
import { utf16 } from "../wire/bodyCodecTesting.js"

type Serve = (pdu: Pdu) => ReadonlyArray<Uint8Array>

interface Fake extends PipeShape<never> {
  readonly ops: Array<{ readonly op: "transceive" | "read"; readonly length: number; readonly more: boolean }>
}

/**
 * A message-mode pipe: each PDU the server writes is one message; a transceive or read returns up
 * to the size asked of the message at the head, and `more` while some of it is left.
 */
const fakePipe = (serve: Serve): Fake => {
  const queue: Array<Uint8Array> = []
  const ops: Fake["ops"] = []
  const take = (op: "transceive" | "read", max: number): PipeData => {
    const head = queue[0]
    if (head === undefined) {
      ops.push({ op, length: 0, more: false })
      return { data: new Uint8Array(0), more: false }
    }
    const data = head.subarray(0, max)
    const rest = head.subarray(max)
    if (rest.length === 0) queue.shift()
    else queue[0] = rest
    ops.push({ op, length: data.length, more: rest.length > 0 })
    return { data, more: rest.length > 0 }
  }
  return {
    ops,
    transceive: (message, maxOutput) =>
      Effect.sync(() => {
        const pdu = Either.getOrThrow(decodePdu(message))
        queue.push(...serve(pdu))
        return take("transceive", maxOutput)
      }),
    read: (length) => Effect.sync(() => take("read", length))
  }
}

const LAST = PfcFlags.FIRST_FRAG | PfcFlags.LAST_FRAG

const bindAck = (callId: number, result: number = ContextResult.ACCEPTANCE, reason = 0) =>
  encodeBindAck({
    flags: LAST,
    callId,
    maxXmitFrag: 4280,
    maxRecvFrag: 4280,
    assocGroupId: 0x1234,
    secondaryAddress: "\\PIPE\\srvsvc",
    results: [{ result, reason, transferSyntax: NDR20 }]
  })

/** The stub as response PDUs of at most `size` stub bytes each. */
const fragments = (callId: number, stub: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at === 0 || at < stub.length; at += size) {
    const flags = (at === 0 ? PfcFlags.FIRST_FRAG : 0) | (at + size >= stub.length ? PfcFlags.LAST_FRAG : 0)
    out.push(encodeResponse({ flags, callId, allocHint: stub.length - at, contextId: 0, cancelCount: 0, stub: stub.subarray(at, at + size) }))
  }
  return out
}

/** A srvsvc server: answers the bind, then NetrShareEnum with `shares` (optionally in pages of `page`). */
const srvsvc = (shares: ReadonlyArray<ShareInfo1>, options: { fragment?: number; page?: number; status?: number } = {}): Serve => (pdu) => {
  if (pdu._tag === "Bind") return [bindAck(pdu.callId)]
  if (pdu._tag !== "Request") throw new Error(`unexpected ${pdu._tag}`)
  const request = Either.getOrThrow(decodeNetrShareEnumRequest(pdu.stub))
  const from = request.resumeHandle ?? 0
  const page = options.page ?? shares.length
  const slice = shares.slice(from, from + page)
  const more = from + page < shares.length
  const stub = encodeNetrShareEnumResponse({
    level: 1,
    shares: slice,
    totalEntries: shares.length,
    resumeHandle: from + slice.length,
    status: options.status ?? (more ? 234 : 0)
  })
  return fragments(pdu.callId, stub, options.fragment ?? 4256)
}

const list = (pipe: PipeShape<never>, options: Rpc.BindOptions = {}) =>
  Effect.flatMap(Rpc.bind(pipe, SRVSVC, NDR20, options), (binding) => Shares.enumerate(binding, "\\\\server"))

const SHARES: ReadonlyArray<ShareInfo1> = [
  { netname: "share", type: 0, remark: "" },
  { netname: "print$", type: 0x80000000, remark: "Printer Drivers" },
  { netname: "laser", type: 1, remark: "the one on the second floor" },
  { netname: "IPC$", type: 0x80000003, remark: "IPC Service" }
]

describe("RPC over a pipe: reassembly", () => {
  it.effect("one PDU per answer: one transceive per call, no reads", () =>
    Effect.gen(function*() {
      const pipe = fakePipe(srvsvc(SHARES))
      const shares = yield* list(pipe)
      expect(shares.map((s) => [s.name, s.type, s.special, s.comment])).toEqual([
        ["share", "disk", false, ""],
        ["print$", "disk", true, "Printer Drivers"],
        ["laser", "printer", false, "the one on the second floor"],
        ["IPC$", "ipc", true, "IPC Service"]
      ])
      expect(pipe.ops.map((o) => o.op)).toEqual(["transceive", "transceive"])
    }))

  it.effect("a fragmented response (PFC_LAST_FRAG on the third) behind a short IOCTL output", () =>
    Effect.gen(function*() {
      const pipe = fakePipe(srvsvc(SHARES, { fragment: 64 }))
      const shares = yield* list(pipe, { maxTransceiveOutput: 30 })
      expect(shares.map((s) => s.name)).toEqual(SHARES.map((s) => s.netname))
      const call = pipe.ops.slice(pipe.ops.findIndex((o, i) => i > 0 && o.op === "transceive"))
      expect(call[0]).toEqual({ op: "transceive", length: 30, more: true })
      expect(call.filter((o) => o.op === "read").length).toBeGreaterThan(3)
    }))

  it.effect("ERROR_MORE_DATA: the resume handle fetches the rest", () =>
    Effect.gen(function*() {
      const pipe = fakePipe(srvsvc(SHARES, { page: 3 }))
      const shares = yield* list(pipe)
      expect(shares.map((s) => s.name)).toEqual(SHARES.map((s) => s.netname))
      expect(pipe.ops.filter((o) => o.op === "transceive").length).toBe(3)
    }))

  it.prop(
    "any share list, fragment size and transceive output reassembles to the same shares",
    {
      shares: FastCheck.array(FastCheck.record({ netname: utf16(16), type: u32, remark: utf16(30) }), { maxLength: 12 }),
      fragment: FastCheck.integer({ min: 1, max: 600 }),
      output: FastCheck.integer({ min: 1, max: 700 })
    },
    ({ fragment, output, shares }) => {
      const got = Effect.runSync(list(fakePipe(srvsvc(shares, { fragment })), { maxTransceiveOutput: output }))
      expect(got).toEqual(shares.map(Shares.fromShareInfo1))
    },
    { fastCheck: { seed: 42, numRuns: 150 } }
  )
})

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.flip(effect)

describe("RPC over a pipe: typed errors", () => {
  it.effect("a fault PDU: RpcFault naming the status", () =>
    Effect.gen(function*() {
      const fault = (status: number, flags = LAST): Serve => (pdu) =>
        pdu._tag === "Bind" ? [bindAck(pdu.callId)] : [encodeFault({ flags, callId: pdu.callId, allocHint: 32, contextId: 0, cancelCount: 0, status })]
      const opRange = yield* failure(list(fakePipe(fault(0x1c010002, LAST | PfcFlags.DID_NOT_EXECUTE))))
      expect(opRange).toMatchObject({ _tag: "RpcFault", reason: "nca_s_op_rng_error", status: 0x1c010002, didNotExecute: true })
      expect(opRange.message).toBe("srvsvc.NetrShareEnum: RPC fault nca_s_op_rng_error (0x1c010002)")
      expect(yield* failure(list(fakePipe(fault(5))))).toMatchObject({ _tag: "RpcFault", reason: "ERROR_ACCESS_DENIED", didNotExecute: false })
      expect(yield* failure(list(fakePipe(fault(0xdeadbeef))))).toMatchObject({ _tag: "RpcFault", reason: "0xdeadbeef" })
    }))

  it.effect("NetrShareEnum's own status: RpcCallFailed", () =>
    Effect.gen(function*() {
      const error = yield* failure(list(fakePipe(srvsvc(SHARES, { status: 5 }))))
      expect(error).toMatchObject({ _tag: "RpcCallFailed", reason: "ERROR_ACCESS_DENIED", status: 5, operation: "srvsvc.NetrShareEnum" })
      expect(error.message).toBe("srvsvc.NetrShareEnum failed: ERROR_ACCESS_DENIED (0x00000005)")
    }))

  it.effect("a refused bind: bind_nak, or a rejected context", () =>
    Effect.gen(function*() {
      const nak = yield* failure(list(fakePipe((pdu) => [encodeBindNak({ flags: LAST, callId: pdu.callId, rejectReason: 4, versions: [] })])))
      expect(nak).toMatchObject({ _tag: "RpcBindRejected", reason: "BindNak", code: 4 })
      const rejected = yield* failure(list(fakePipe((pdu) => [bindAck(pdu.callId, ContextResult.PROVIDER_REJECTION, 2)])))
      expect(rejected).toMatchObject({ _tag: "RpcBindRejected", reason: "ProviderRejection", code: 2 })
      expect(rejected.message).toContain("4b324fc8-1670-01d3-1278-5a47bf6ee188 3.0")
    }))

  it.effect("protocol violations: call id, fragment order, PDU type, empty read, size limits", () =>
    Effect.gen(function*() {
      const answer = (make: (callId: number) => ReadonlyArray<Uint8Array>): Serve => (pdu) =>
        pdu._tag === "Bind" ? [bindAck(pdu.callId)] : make(pdu.callId)
      const stub = encodeNetrShareEnumResponse({ level: 1, shares: SHARES, totalEntries: 4, resumeHandle: 0, status: 0 })

      expect(yield* failure(list(fakePipe(answer((id) => fragments(id + 1, stub, 4000)))))).toMatchObject({
        _tag: "RpcProtocolError",
        reason: "CallIdMismatch"
      })
      expect(yield* failure(list(fakePipe(answer((id) => fragments(id, stub, 50).slice(1)))))).toMatchObject({
        reason: "FragmentOrder"
      })
      expect(yield* failure(list(fakePipe(answer((id) => [...fragments(id, stub, 50).slice(0, 1), ...fragments(id, stub, 50)]))))).toMatchObject({
        reason: "FragmentOrder"
      })
      expect(yield* failure(list(fakePipe(answer((id) => [bindAck(id)]))))).toMatchObject({ reason: "UnexpectedPdu" })
      // The server stops after the first of several fragments: the next read comes back empty.
      expect(yield* failure(list(fakePipe(answer((id) => fragments(id, stub, 50).slice(0, 1)))))).toMatchObject({
        reason: "EmptyRead"
      })
      expect(yield* failure(list(fakePipe(answer((id) => fragments(id, stub, 50))), { maxResponseBytes: 100 }))).toMatchObject({
        reason: "TooLarge"
      })
      expect(yield* failure(list(fakePipe(answer(() => [new Uint8Array([5, 0, 2, 3, 0x10, 0, 0, 0, 20, 0, 0, 0])]))))).toMatchObject({
        _tag: "RpcProtocolError",
        reason: "EmptyRead"
      })
      expect(yield* failure(list(fakePipe(answer(() => [new Uint8Array([4, 0, 2, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0])]))))).toMatchObject({
        _tag: "DecodeError",
        field: "Version"
      })
      const binding = yield* Rpc.bind(fakePipe(srvsvc(SHARES)), SRVSVC, NDR20)
      expect(yield* failure(Rpc.call(binding, 15, new Uint8Array(5000), "big"))).toMatchObject({ reason: "TooLarge" })
    }))
})
