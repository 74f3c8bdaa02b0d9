/**
 * The fuzzers of the receive path, shared by test/reliability/fuzz.test.ts (a few thousand inputs
 * in `npm test`) and scripts/fuzz.ts (a million frames): random and mutated frames built from the
 * corpus (corpus.ts), and what each layer must do with any of them.
 *
 * - Deframing: any byte stream, cut anywhere, yields whole frames no longer than the maximum, or
 *   one framing error that every later push repeats; without an error every byte is accounted
 *   for; a stream of valid frames comes out exactly.
 * - The Transformer, with the corpus's session keys installed: never throws; each result is a
 *   message whose header matches its bytes, or a typed failure that no unexpected exception
 *   caused; and it never lets through what the security rules forbid (an unsigned or
 *   unverifiable message of a session that requires signing, a plaintext message of a session or
 *   tree that requires encryption).
 * - Header and body decoding: every response decoder (and the SPNEGO/NTLM decoders behind
 *   SESSION_SETUP) answers any message it gets with a value or a deliberate DecodeError.
 * - The receive loop (ParallelWorker + FiberBackend over the in-memory test peer): garbage frames
 *   interleaved with the responses to real requests; every request still completes with its own
 *   response, nothing is left behind, and the garbage is counted exactly (undeliverable, unknown)
 *   with the credits it may grant.
 *
 * Checks throw (node:assert), so that the same code serves fast-check properties and plain loops.
 */
import assert from "node:assert/strict"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { decodeNegTokenResp } from "../../src/auth/Spnego.js"
import { decodeChallenge } from "../../src/auth/Ntlm.js"
import type { Incoming, SessionSecurity, TransformerUpdate } from "../../src/connection/Transformer.js"
import { Transformer } from "../../src/connection/Transformer.js"
import { DecodeError, TransformFailed, TransportError } from "../../src/errors.js"
import { encodeResponse } from "../../src/testing/TestPeer.js"
import { encodeFrame, makeDeframer } from "../../src/transport/Framing.js"
import { decodeChangeNotifyResponse } from "../../src/wire/ChangeNotify.js"
import { decodeCloseResponse } from "../../src/wire/Close.js"
import { Command } from "../../src/wire/Command.js"
import { decodeCompressionTransform } from "../../src/wire/CompressionTransformHeader.js"
import { decodeCreateResponse } from "../../src/wire/Create.js"
import { decodeErrorResponse } from "../../src/wire/ErrorResponse.js"
import { decodeFlushResponse } from "../../src/wire/Flush.js"
import { decodeEchoResponse } from "../../src/wire/Echo.js"
import {
  decodeHeader,
  type Header,
  HEADER_SIZE,
  PROTOCOL_ID,
  TRANSFORM_PROTOCOL_ID,
  UNSOLICITED_MESSAGE_ID
} from "../../src/wire/Header.js"
import { decodeIoctlResponse, decodeValidateNegotiateInfoResponse } from "../../src/wire/Ioctl.js"
import { decodeLogoffResponse } from "../../src/wire/Logoff.js"
import { decodeNegotiateResponse } from "../../src/wire/Negotiate.js"
import { decodeOplockBreak } from "../../src/wire/OplockBreak.js"
import { decodeQueryDirectoryResponse } from "../../src/wire/QueryDirectory.js"
import { decodeQueryInfoResponse } from "../../src/wire/QueryInfo.js"
import { decodeReadResponse } from "../../src/wire/Read.js"
import { concatBytes, viewOf } from "../../src/wire/Reader.js"
import { decodeSessionSetupResponse } from "../../src/wire/SessionSetup.js"
import { decodeSetInfoResponse } from "../../src/wire/SetInfo.js"
import { Status } from "../../src/wire/Status.js"
import { decodeTransformHeader } from "../../src/wire/TransformHeader.js"
import { decodeTreeConnectResponse } from "../../src/wire/TreeConnect.js"
import { decodeTreeDisconnectResponse } from "../../src/wire/TreeDisconnect.js"
import { decodeWriteResponse } from "../../src/wire/Write.js"
import { splitAt } from "../support/bytes.js"
import { corpus, SYNTHETIC } from "./corpus.js"
import { echo, makeStack, signAsServer, tagOf, warmUp } from "./stack.js"

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set8"; readonly at: number; readonly value: number }
  | { readonly kind: "set16"; readonly at: number; readonly value: number }
  | { readonly kind: "set32"; readonly at: number; readonly value: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "extend"; readonly tail: Uint8Array }
  | { readonly kind: "zero"; readonly at: number; readonly length: number }
  | { readonly kind: "splice"; readonly at: number; readonly other: Uint8Array; readonly from: number }

/**
 * Offsets where a change matters most: the SMB2 header's fields (StructureSize, Status, Command,
 * Credits, Flags, NextCommand, MessageId, AsyncId/TreeId, SessionId, Signature), the first body
 * fields (StructureSize and the offset/length pairs), and the TRANSFORM_HEADER's Nonce,
 * OriginalMessageSize, Flags and SessionId.
 */
const FIELD_OFFSETS = [0, 4, 8, 12, 14, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 64, 66, 68, 70, 72, 76, 80, 84, 88, 92, 96, 120, 124]

const position = FastCheck.oneof(
  { weight: 2, arbitrary: FastCheck.constantFrom(...FIELD_OFFSETS) },
  { weight: 1, arbitrary: FastCheck.nat({ max: 4096 }) }
)

/** Values at the edges of offset and length checks, more often than uniform ones would be. */
const edgy = (max: number) =>
  FastCheck.oneof(
    FastCheck.constantFrom(0, 1, 8, 63, 64, 65, 0x80, max, max - 1, Math.floor(max / 2) + 1),
    FastCheck.integer({ min: 0, max: 512 }),
    FastCheck.integer({ min: 0, max })
  )

const mutation = (seeds: FastCheck.Arbitrary<Uint8Array>): FastCheck.Arbitrary<Mutation> =>
  FastCheck.oneof(
    FastCheck.record({ kind: FastCheck.constant("flip" as const), at: position, bit: FastCheck.integer({ min: 0, max: 7 }) }),
    FastCheck.record({ kind: FastCheck.constant("set8" as const), at: position, value: edgy(0xff) }),
    FastCheck.record({ kind: FastCheck.constant("set16" as const), at: position, value: edgy(0xffff) }),
    FastCheck.record({ kind: FastCheck.constant("set32" as const), at: position, value: edgy(0xffffffff) }),
    FastCheck.record({ kind: FastCheck.constant("truncate" as const), at: position }),
    FastCheck.record({ kind: FastCheck.constant("extend" as const), tail: FastCheck.uint8Array({ maxLength: 80 }) }),
    FastCheck.record({ kind: FastCheck.constant("zero" as const), at: position, length: FastCheck.integer({ min: 1, max: 32 }) }),
    FastCheck.record({ kind: FastCheck.constant("splice" as const), at: position, other: seeds, from: position })
  )

const applyMutation = (input: Uint8Array, m: Mutation): Uint8Array => {
  const n = input.byteLength
  switch (m.kind) {
    case "truncate":
      return input.slice(0, m.at % (n + 1))
    case "extend":
      return concatBytes([input, m.tail])
    case "splice":
      return concatBytes([input.subarray(0, m.at % (n + 1)), m.other.subarray(m.from % (m.other.byteLength + 1))])
    default:
      break
  }
  const out = input.slice()
  const view = viewOf(out)
  switch (m.kind) {
    case "flip":
      if (n > 0) out[m.at % n]! ^= 1 << m.bit
      break
    case "set8":
      if (n > 0) out[m.at % n] = m.value
      break
    case "set16":
      if (n >= 2) view.setUint16(m.at % (n - 1), m.value, true)
      break
    case "set32":
      if (n >= 4) view.setUint32(m.at % (n - 3), m.value >>> 0, true)
      break
    case "zero":
      if (n > 0) out.fill(0, m.at % n, (m.at % n) + m.length)
      break
  }
  return out
}

const withPrefix = (protocolId: number): FastCheck.Arbitrary<Uint8Array> =>
  FastCheck.uint8Array({ minLength: 0, maxLength: 200 }).map((rest) => {
    const out = new Uint8Array(4 + rest.byteLength)
    viewOf(out).setUint32(0, protocolId, true)
    out.set(rest, 4)
    return out
  })

/**
 * Frames: random bytes (bare, or behind the SMB2 or TRANSFORM protocol id), corpus frames as
 * they are, and (most of the time) corpus frames with one to four mutations.
 */
export const frameArbitrary = (frames: ReadonlyArray<Uint8Array> = corpus().frames): FastCheck.Arbitrary<Uint8Array> => {
  const seeds = FastCheck.constantFrom(...frames)
  return FastCheck.oneof(
    { weight: 1, arbitrary: FastCheck.uint8Array({ maxLength: 256 }) },
    { weight: 1, arbitrary: withPrefix(PROTOCOL_ID) },
    { weight: 1, arbitrary: withPrefix(TRANSFORM_PROTOCOL_ID) },
    { weight: 1, arbitrary: seeds },
    {
      weight: 8,
      arbitrary: FastCheck.tuple(seeds, FastCheck.array(mutation(seeds), { minLength: 1, maxLength: 4 })).map(([seed, mutations]) =>
        mutations.reduce(applyMutation, seed)
      )
    }
  )
}

// ---------------------------------------------------------------------------------------------
// Tallies
// ---------------------------------------------------------------------------------------------

export interface Tally {
  frames: number
  messages: number
  verified: number
  encrypted: number
  /** By error tag and reason, e.g. "TransformFailed:BadSignature". */
  failures: Record<string, number>
  decoded: number
  decodeErrors: number
}

const emptyTally = (): Tally => ({ frames: 0, messages: 0, verified: 0, encrypted: 0, failures: {}, decoded: 0, decodeErrors: 0 })

// ---------------------------------------------------------------------------------------------
// Deframing
// ---------------------------------------------------------------------------------------------

export interface Stream {
  readonly pieces: ReadonlyArray<{ readonly bytes: Uint8Array; readonly frame: Uint8Array | undefined }>
  readonly cuts: ReadonlyArray<number>
  readonly maxFrameSize: number
}

/**
 * Byte streams: framed frames (from `frameArbitrary`) mixed with raw garbage, bare session
 * headers announcing any 24-bit length, and headers with a non-zero first byte; cut anywhere.
 * Maxima stay small so that a huge announced length is rejected rather than awaited.
 */
export const streamArbitrary = (frames?: ReadonlyArray<Uint8Array>): FastCheck.Arbitrary<Stream> => {
  const framed = frameArbitrary(frames).map((frame) => ({ bytes: encodeFrame(frame), frame }))
  const raw = (arbitrary: FastCheck.Arbitrary<Uint8Array>) => arbitrary.map((bytes) => ({ bytes, frame: undefined }))
  const piece = FastCheck.oneof(
    { weight: 6, arbitrary: framed },
    { weight: 1, arbitrary: raw(FastCheck.uint8Array({ maxLength: 12 })) },
    { weight: 1, arbitrary: raw(FastCheck.integer({ min: 0, max: 0xffffff }).map((n) => Uint8Array.of(0, n >>> 16, (n >>> 8) & 0xff, n & 0xff))) },
    { weight: 1, arbitrary: raw(FastCheck.tuple(FastCheck.integer({ min: 1, max: 255 }), FastCheck.uint8Array({ minLength: 3, maxLength: 3 })).map(([b, rest]) => Uint8Array.of(b, ...rest))) }
  )
  return FastCheck.record({
    pieces: FastCheck.array(piece, { maxLength: 8 }),
    cuts: FastCheck.array(FastCheck.nat(), { maxLength: 8 }),
    maxFrameSize: FastCheck.constantFrom(128, 1024, 65536)
  })
}

/** Runs one stream through a deframer and checks it; returns the number of frames delivered. */
export const checkStream = (stream: Stream): number => {
  const deframer = makeDeframer({ maxFrameSize: stream.maxFrameSize })
  const bytes = concatBytes(stream.pieces.map((p) => p.bytes))
  const frames: Array<Uint8Array> = []
  let error: TransportError | undefined
  for (const chunk of splitAt(bytes, stream.cuts)) {
    const result = deframer.push(chunk, (frame) => frames.push(frame))
    if (error !== undefined) {
      assert.equal(result, error, "a failed deframer repeats its error")
    } else if (result !== undefined) {
      assert.ok(result instanceof TransportError && (result.reason === "Malformed" || result.reason === "FrameTooLarge"), String(result))
      error = result
    }
    assert.ok(deframer.buffered() <= stream.maxFrameSize + 4, "never holds more than one frame")
  }
  for (const frame of frames) assert.ok(frame.byteLength <= stream.maxFrameSize, "frames are bounded")
  if (error === undefined) {
    const consumed = frames.reduce((n, f) => n + 4 + f.byteLength, 0) + deframer.buffered()
    assert.equal(consumed, bytes.byteLength, "every byte is in a frame, a session header or the buffer")
  }
  if (stream.pieces.every((p) => p.frame !== undefined && p.frame.byteLength <= stream.maxFrameSize)) {
    assert.equal(error, undefined)
    assert.deepEqual(frames, stream.pieces.map((p) => p.frame))
  }
  return frames.length
}

// ---------------------------------------------------------------------------------------------
// Transformer and decoders
// ---------------------------------------------------------------------------------------------

type Decoder = (message: Uint8Array) => Either.Either<unknown, DecodeError>

const RESPONSE_DECODERS: Record<number, Decoder> = {
  [Command.NEGOTIATE]: decodeNegotiateResponse,
  [Command.SESSION_SETUP]: (message) =>
    Either.flatMap(decodeSessionSetupResponse(message), (r): Either.Either<unknown, DecodeError> =>
      r.securityBuffer.byteLength === 0
        ? Either.right(r)
        : Either.flatMap(decodeNegTokenResp(r.securityBuffer), (token): Either.Either<unknown, DecodeError> =>
          token.responseToken === undefined ? Either.right(token) : decodeChallenge(token.responseToken)
        )),
  [Command.LOGOFF]: decodeLogoffResponse,
  [Command.TREE_CONNECT]: decodeTreeConnectResponse,
  [Command.TREE_DISCONNECT]: decodeTreeDisconnectResponse,
  [Command.CREATE]: decodeCreateResponse,
  [Command.CLOSE]: decodeCloseResponse,
  [Command.FLUSH]: decodeFlushResponse,
  [Command.READ]: decodeReadResponse,
  [Command.WRITE]: decodeWriteResponse,
  [Command.IOCTL]: (message) => Either.flatMap(decodeIoctlResponse(message), (r) => decodeValidateNegotiateInfoResponse(r.output)),
  [Command.ECHO]: decodeEchoResponse,
  [Command.QUERY_DIRECTORY]: decodeQueryDirectoryResponse,
  [Command.CHANGE_NOTIFY]: decodeChangeNotifyResponse,
  [Command.QUERY_INFO]: decodeQueryInfoResponse,
  [Command.SET_INFO]: decodeSetInfoResponse,
  [Command.OPLOCK_BREAK]: decodeOplockBreak
}

/** A deliberate DecodeError names its field; "*" means something else was thrown inside a decoder. */
const assertDeliberate = (error: unknown, what: string): void => {
  if (error instanceof DecodeError) assert.notEqual(error.field, "*", `${what}: unexpected exception ${String(error.cause)}`)
}

const assertTotal = (result: Either.Either<unknown, unknown>, what: string): boolean => {
  assert.ok(Either.isEither(result), `${what} returns an Either`)
  if (Either.isRight(result)) return true
  assert.ok(result.left instanceof DecodeError, `${what} fails with a DecodeError`)
  assertDeliberate(result.left, what)
  return false
}

/**
 * A Transformer holding `updates` (by default the corpus's sessions) and the checks every one of
 * its results must pass.
 */
export class TransformerCheck {
  readonly transformer = new Transformer()
  readonly tally = emptyTally()
  private readonly sessions = new Map<bigint, SessionSecurity>()
  private readonly encryptedTrees = new Set<string>()

  constructor(updates: ReadonlyArray<TransformerUpdate> = corpus().updates) {
    for (const update of updates) {
      this.transformer.update(update)
      if (update._tag === "SessionEstablished") this.sessions.set(update.session.sessionId, update.session)
      if (update._tag === "TreeEncryption" && update.encrypt) this.encryptedTrees.add(`${update.sessionId}/${update.treeId}`)
    }
  }

  check(frame: Uint8Array): ReadonlyArray<Incoming> {
    const tally = this.tally
    tally.frames++
    for (const decoded of [decodeTransformHeader(frame), decodeCompressionTransform(frame), decodeHeader(frame)]) {
      assertTotal(decoded, "frame header decoder")
    }
    const results = this.transformer.incoming(frame)
    assert.ok(results.length >= 1, "every frame yields a message or a failure")
    const transformed = frame.byteLength >= 4 && viewOf(frame).getUint32(0, true) === TRANSFORM_PROTOCOL_ID
    for (const incoming of results) {
      if (incoming._tag === "Failure") {
        const { error } = incoming
        assert.ok(error instanceof TransformFailed || error instanceof DecodeError, `typed failure, got ${String(error)}`)
        assertDeliberate(error, "transformer")
        if (error instanceof TransformFailed) assertDeliberate(error.cause, "transformer")
        const key = `${error._tag}:${error.reason}`
        tally.failures[key] = (tally.failures[key] ?? 0) + 1
        continue
      }
      const { message } = incoming
      const { header } = message
      tally.messages++
      if (message.verified) tally.verified++
      if (message.encrypted) tally.encrypted++
      assert.ok(message.message.byteLength >= HEADER_SIZE)
      assert.equal(message.body.byteLength, message.message.byteLength - HEADER_SIZE)
      const reread = Either.getOrThrow(decodeHeader(message.message))
      assert.deepEqual([reread.messageId, reread.command, reread.sessionId, reread.flags], [header.messageId, header.command, header.sessionId, header.flags])
      if (message.encrypted) assert.ok(transformed, "only a TRANSFORM frame yields encrypted messages")
      this.checkSecurity(header, message.verified, message.encrypted)
      this.checkDecoders(message.message, header)
    }
    return results
  }

  private checkSecurity(header: Header, verified: boolean, encrypted: boolean): void {
    const session = header.sessionId === 0n ? undefined : this.sessions.get(header.sessionId)
    if (session === undefined || header.command === Command.NEGOTIATE || encrypted) return
    if (header.messageId === UNSOLICITED_MESSAGE_ID) return
    const mustEncrypt = session.encryptData || this.encryptedTrees.has(`${header.sessionId}/${header.treeId}`)
    assert.ok(!mustEncrypt, "no plaintext message of a session or tree that requires encryption")
    if (session.signingRequired && header.status !== Status.PENDING) {
      assert.ok(verified, "every message of a session that requires signing is verified")
    }
  }

  /**
   * Runs the ERROR decoder and the command's response decoder on every message (each must be
   * total); tallies the one that applies: the ERROR body for an error status, else the command's.
   */
  private checkDecoders(message: Uint8Array, header: Header): void {
    const asError = assertTotal(decodeErrorResponse(message), "error response")
    const decoder = RESPONSE_DECODERS[header.command]
    const asCommand = decoder === undefined ? undefined : assertTotal(decoder(message), `response of command ${header.command}`)
    const applies = header.status >>> 30 === 3 || header.status === Status.PENDING ? asError : asCommand
    if (applies === true) this.tally.decoded++
    else if (applies === false) this.tally.decodeErrors++
  }
}

// ---------------------------------------------------------------------------------------------
// The receive loop
// ---------------------------------------------------------------------------------------------

export interface LoopTally {
  /** Garbage frames sent between the responses. */
  garbage: number
  /** Frames left out because they would have reached a request in flight (see `moveOffLiveIds`). */
  skipped: number
  undeliverable: number
  unknown: number
  notifications: number
  requests: number
}

export const emptyLoopTally = (): LoopTally => ({ garbage: 0, skipped: 0, undeliverable: 0, unknown: 0, notifications: 0, requests: 0 })

/**
 * Sets bit 62 of every plaintext message id below `live` (walking NextCommand), so that garbage
 * cannot answer a request in flight: the point is garbage next to real traffic, not forged
 * responses (the security tests cover those).
 */
const moveOffLiveIds = (frame: Uint8Array, live: bigint): Uint8Array => {
  if (frame.byteLength < HEADER_SIZE || viewOf(frame).getUint32(0, true) !== PROTOCOL_ID) return frame
  const out = frame.slice()
  const view = viewOf(out)
  let at = 0
  for (let i = 0; i < 64 && at + 32 <= out.byteLength; i++) {
    if (view.getBigUint64(at + 24, true) < live) out[at + 31]! |= 0x40
    const next = view.getUint32(at + 20, true)
    if (next === 0) break
    at += next
  }
  return out
}

const idOf = (incoming: Incoming): bigint | undefined =>
  incoming._tag === "Failure" ? incoming.header?.messageId : incoming.message.header.messageId

/**
 * One round: `requests` ECHOs in flight on a session that requires signing, answered in reverse
 * order by correctly signed responses, with `garbage` spread between them. Checks that every
 * request gets its own response, that nothing is left in flight, awaited or stashed, that the
 * garbage is counted exactly as a second Transformer in the same state classifies it, and that
 * the credit balance is exact.
 */
export const receiveLoopRound = (
  garbage: ReadonlyArray<Uint8Array>,
  requests = 16
): Effect.Effect<LoopTally, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const { updates } = corpus()
    const session = SYNTHETIC.hmac
    const stack = yield* makeStack({ handler: { creditBacklog: requests } })
    for (const update of updates) yield* stack.worker.updateTransformer(update)
    yield* warmUp(stack, requests)

    const classifier = new Transformer()
    for (const update of updates) classifier.update(update)
    const live = BigInt(requests + 1)
    const tally = emptyLoopTally()
    const kept: Array<Uint8Array> = []
    for (const frame of garbage) {
      const patched = moveOffLiveIds(frame, live)
      const results = classifier.incoming(patched)
      if (results.some((incoming) => (idOf(incoming) ?? live) < live)) {
        tally.skipped++
        continue
      }
      kept.push(patched)
      for (const incoming of results) {
        if (incoming._tag === "Failure") tally.undeliverable++
        else if (incoming.message.header.messageId === UNSOLICITED_MESSAGE_ID) tally.notifications++
        else tally.unknown++
      }
    }
    tally.garbage = kept.length
    tally.requests = requests

    const callers = yield* Effect.fork(
      Effect.forEach(
        Array.from({ length: requests }, (_, i) => i + 1),
        (tag) => Effect.map(stack.handler.sendRecv(echo(tag, session.sessionId)), (m) => [tag, tagOf(m.body), m.verified] as const),
        { concurrency: "unbounded" }
      )
    )
    const received = [...yield* stack.peer.take(requests)].reverse()
    const share = Math.ceil(kept.length / requests)
    for (const [n, request] of received.entries()) {
      for (const frame of kept.slice(n * share, (n + 1) * share)) yield* stack.peer.sendFrame(frame)
      yield* stack.peer.sendFrame(signAsServer(session, encodeResponse(request, { body: request.body, credits: 1 })))
    }
    const results = yield* Fiber.join(callers)
    for (const [sent, got, verified] of results) {
      assert.equal(got, sent, "each request gets its own response")
      assert.ok(verified)
    }
    const stats = yield* stack.worker.stats
    assert.deepEqual(
      { inFlight: stats.inFlight, awaiting: stats.awaiting, stashed: stats.stashed, undeliverable: stats.undeliverable, unknown: stats.unknown },
      { inFlight: 0, awaiting: 0, stashed: 0, undeliverable: tally.undeliverable, unknown: tally.unknown }
    )
    // Unsolicited messages grant nothing, whatever their header says.
    assert.equal(stats.creditBalance, requests, "credits: the warm-up's grant and one per response")
    return tally
  })
