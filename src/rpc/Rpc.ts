/**
 * A DCE/RPC client over a message pipe (C706 chapter 12, connection-oriented): `bind` offers one
 * presentation context (an interface in NDR 2.0) and learns the fragment sizes; `call` sends a
 * request and reassembles the response.
 *
 * Each request goes out in one IOCTL transceive, whose answer is the start of the response. The
 * rest is READ from the pipe until the PDU that carries PFC_LAST_FRAG is complete: a fragment
 * longer than the IOCTL's output (STATUS_BUFFER_OVERFLOW) continues in the next read, and a
 * response the server fragmented comes as further PDUs. PDUs are framed by their frag_length, so
 * this works whether the pipe hands them over whole or in pieces. A fault PDU fails the call with
 * RpcFault; any other surprise (another PDU type or call id, a missing first fragment, a response
 * past `maxResponseBytes`) with RpcProtocolError.
 *
 * Requests are not fragmented: one larger than the server's max_recv_frag fails with
 * RpcProtocolError("TooLarge") (srvsvc requests are a few hundred bytes at most).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { concatBytes } from "../wire/Reader.js"
import { RpcBindRejected, RpcFault, RpcProtocolError, rpcStatusName } from "./errors.js"
import type { Pdu, SyntaxId } from "./Pdu.js"
import { ContextResult, decodePdu, encodeBind, encodeRequest, fragmentLength, PfcFlags } from "./Pdu.js"
import type { PipeShape } from "./Pipe.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface BindOptions {
  /** The fragment size offered for both directions. Default 4280, as Windows offers over SMB. */
  readonly maxFragment?: number
  /** The most an IOCTL transceive returns; the rest is READ. Default: maxFragment. */
  readonly maxTransceiveOutput?: number
  /** The most a reassembled response may hold. Default 16 MiB. */
  readonly maxResponseBytes?: number
}

/**
 * A bound presentation context on a pipe.
 *
 * @since 0.1.0
 * @category models
 */
export interface Binding<E> {
  readonly pipe: PipeShape<E>
  readonly syntax: SyntaxId
  readonly contextId: number
  /** The largest fragment the server accepts (its max_recv_frag). */
  readonly maxXmitFrag: number
  /** The largest fragment the server sends (its max_xmit_frag). */
  readonly maxRecvFrag: number
  readonly assocGroupId: number
  readonly secondaryAddress: string
  readonly maxTransceiveOutput: number
  readonly maxResponseBytes: number
  /** The next call id. */
  callId: number
}

/** The DCE/RPC errors of `bind` and `call` (the pipe's own are separate). @since 0.1.0 @category models */
export type CallError = RpcFault | RpcBindRejected | RpcProtocolError | DecodeError

const fromEither = <A, E>(value: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(value.left)

const syntaxName = (syntax: SyntaxId) => `${syntax.uuid} ${syntax.major}.${syntax.minor}`

/**
 * Writes `message`, then reads PDUs until `accept` says the exchange is over. `accept` returns
 * true when done, false for more; it may fail.
 */
const exchange = <E, R>(
  pipe: PipeShape<E>,
  message: Uint8Array,
  maxOutput: number,
  readSize: number,
  accept: (pdu: Pdu, bytes: Uint8Array) => Effect.Effect<boolean, CallError, R>
): Effect.Effect<void, E | CallError, R> =>
  Effect.gen(function*() {
    let buffered: Uint8Array = (yield* pipe.transceive(message, maxOutput)).data
    for (;;) {
      const length = fragmentLength(buffered)
      if (length !== undefined && buffered.length >= length) {
        const bytes = buffered.subarray(0, length)
        const pdu = yield* fromEither(decodePdu(bytes))
        buffered = buffered.subarray(length)
        if (yield* accept(pdu, bytes)) return
        continue
      }
      const chunk = (yield* pipe.read(length === undefined ? readSize : Math.max(length - buffered.length, 1))).data
      if (chunk.length === 0) {
        return yield* new RpcProtocolError({ reason: "EmptyRead", detail: `the pipe returned nothing with ${buffered.length} bytes of a PDU read` })
      }
      buffered = concatBytes([buffered, chunk])
    }
  })

const unexpected = (pdu: Pdu, expected: string) =>
  new RpcProtocolError({
    reason: "UnexpectedPdu",
    detail: `expected ${expected}, received ${pdu._tag === "Other" ? `PDU type ${pdu.type}` : pdu._tag}`
  })

/**
 * Binds `syntax` (in NDR 2.0) on the pipe as presentation context 0.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind = <E>(
  pipe: PipeShape<E>,
  syntax: SyntaxId,
  transferSyntax: SyntaxId,
  options: BindOptions = {}
): Effect.Effect<Binding<E>, E | CallError> =>
  Effect.gen(function*() {
    const maxFragment = options.maxFragment ?? 4280
    const callId = 1
    const request = encodeBind({
      flags: PfcFlags.FIRST_FRAG | PfcFlags.LAST_FRAG,
      callId,
      maxXmitFrag: maxFragment,
      maxRecvFrag: maxFragment,
      assocGroupId: 0,
      contexts: [{ contextId: 0, abstractSyntax: syntax, transferSyntaxes: [transferSyntax] }]
    })
    let binding: Binding<E> | undefined
    const maxTransceiveOutput = options.maxTransceiveOutput ?? maxFragment
    yield* exchange(pipe, request, maxTransceiveOutput, maxFragment, (pdu) =>
      Effect.suspend((): Effect.Effect<boolean, CallError> => {
        if (pdu._tag === "BindNak") {
          return new RpcBindRejected({ reason: "BindNak", code: pdu.rejectReason, syntax: syntaxName(syntax) })
        }
        if (pdu._tag !== "BindAck") return unexpected(pdu, "bind_ack")
        if (pdu.callId !== callId) {
          return new RpcProtocolError({ reason: "CallIdMismatch", detail: `bind call id ${callId}, bind_ack ${pdu.callId}` })
        }
        const result = pdu.results[0]
        if (result === undefined) return new RpcBindRejected({ reason: "NoResult", syntax: syntaxName(syntax) })
        if (result.result !== ContextResult.ACCEPTANCE) {
          return new RpcBindRejected({
            reason: result.result === ContextResult.USER_REJECTION ? "UserRejection" : "ProviderRejection",
            code: result.reason,
            syntax: syntaxName(syntax)
          })
        }
        binding = {
          pipe,
          syntax,
          contextId: 0,
          maxXmitFrag: pdu.maxRecvFrag,
          maxRecvFrag: pdu.maxXmitFrag,
          assocGroupId: pdu.assocGroupId,
          secondaryAddress: pdu.secondaryAddress,
          maxTransceiveOutput,
          maxResponseBytes: options.maxResponseBytes ?? 16 * 1024 * 1024,
          callId: callId + 1
        }
        return Effect.succeed(true)
      }))
    return binding!
  }).pipe(Effect.withSpan("smb.rpc.bind", { attributes: { syntax: syntaxName(syntax) } }))

/**
 * Calls `opnum` with the NDR `stub` and returns the response's stub, its fragments joined.
 * `operation` names the call in errors ("srvsvc.NetrShareEnum").
 *
 * @since 0.1.0
 * @category operations
 */
export const call = <E>(
  binding: Binding<E>,
  opnum: number,
  stub: Uint8Array,
  operation: string
): Effect.Effect<Uint8Array, E | CallError> =>
  Effect.gen(function*() {
    const callId = binding.callId++
    const request = encodeRequest({
      flags: PfcFlags.FIRST_FRAG | PfcFlags.LAST_FRAG,
      callId,
      allocHint: stub.length,
      contextId: binding.contextId,
      opnum,
      stub
    })
    if (request.length > binding.maxXmitFrag) {
      return yield* new RpcProtocolError({
        reason: "TooLarge",
        detail: `a request of ${request.length} bytes exceeds the server's fragment size ${binding.maxXmitFrag}`
      })
    }
    const parts: Array<Uint8Array> = []
    let total = 0
    yield* exchange(binding.pipe, request, binding.maxTransceiveOutput, binding.maxRecvFrag, (pdu) =>
      Effect.suspend((): Effect.Effect<boolean, CallError> => {
        if (pdu._tag !== "Response" && pdu._tag !== "Fault") return unexpected(pdu, "response")
        if (pdu.callId !== callId) {
          return new RpcProtocolError({ reason: "CallIdMismatch", detail: `request call id ${callId}, ${pdu._tag} ${pdu.callId}` })
        }
        if (pdu._tag === "Fault") {
          return new RpcFault({
            reason: rpcStatusName(pdu.status),
            status: pdu.status,
            operation,
            didNotExecute: (pdu.flags & PfcFlags.DID_NOT_EXECUTE) !== 0
          })
        }
        const first = (pdu.flags & PfcFlags.FIRST_FRAG) !== 0
        if (first !== (parts.length === 0)) {
          return new RpcProtocolError({
            reason: "FragmentOrder",
            detail: first ? "a second first fragment" : "the response does not start with a first fragment"
          })
        }
        total += pdu.stub.length
        if (total > binding.maxResponseBytes) {
          return new RpcProtocolError({ reason: "TooLarge", detail: `the response exceeds ${binding.maxResponseBytes} bytes` })
        }
        parts.push(pdu.stub)
        return Effect.succeed((pdu.flags & PfcFlags.LAST_FRAG) !== 0)
      }))
    return parts.length === 1 ? parts[0]! : concatBytes(parts)
  }).pipe(Effect.withSpan("smb.rpc.call", { attributes: { operation, opnum } }))

