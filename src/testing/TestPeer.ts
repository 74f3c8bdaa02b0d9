/**
 * A scriptable fake SMB2 server for tests, in process, over the in-memory pair or TCP loopback.
 *
 * It speaks only frames and SMB2 headers: a test reads the client's requests (`next`, `take`) and
 * decides what to send back, byte for byte if it likes. That makes the awkward cases one line
 * each: answers out of order (take N, respond in any order), an interim STATUS_PENDING and later
 * the final async response, unsolicited messages (100,000 in one write with `count`), chosen
 * credit grants (0 too), duplicate responses, responses to ids never sent (`messageId`), a
 * connection dropped mid-frame, garbage or truncated frames (`sendRaw`), a 16 MiB length header
 * followed by nothing, and never answering. Delays are `Effect.sleep` in the test.
 *
 * Bodies are raw bytes; the defaults are only structurally minimal (the right StructureSize, zero
 * elsewhere), enough for code that routes on headers. Tests that need real bodies encode them.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import { TransportError } from "../errors.js"
import { encodeFrame, makeDeframer, PREFIX_SIZE, writePrefix } from "../transport/Framing.js"
import * as MemoryTransport from "../transport/MemoryTransport.js"
import type { ByteEndpoint } from "../transport/MemoryTransport.js"
import type { Frame, Transport, TransportShape } from "../transport/Transport.js"
import { Command } from "../wire/Command.js"
import { encodeErrorResponse } from "../wire/ErrorResponse.js"
import {
  decodeHeader,
  type Header,
  HEADER_SIZE,
  HeaderFlags,
  makeHeader,
  SMB1_PROTOCOL_ID,
  UNSOLICITED_MESSAGE_ID,
  writeHeader
} from "../wire/Header.js"
import { align8, viewOf } from "../wire/Reader.js"
import { Status } from "../wire/Status.js"

/**
 * One message received from the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedRequest {
  /**
   * "smb2": an SMB2 message with a valid header. "smb1": a frame starting 0xFF 'SMB' (a
   * multi-protocol SMB1 NEGOTIATE). "other": anything else (a TRANSFORM_HEADER, a frame too
   * short for a header...), taken whole from where it starts.
   */
  readonly kind: "smb2" | "smb1" | "other"
  /** The decoded header; for "smb1" and "other" a placeholder with command -1 and message id 0. */
  readonly header: Header
  /** This message: its header and body (one element of a compound). */
  readonly message: Uint8Array
  /** `message` after the header (64 bytes for SMB2, 32 for SMB1); all of it for "other". */
  readonly body: Uint8Array
  /** The whole frame the message came in; compounded requests share it. */
  readonly frame: Uint8Array
}

/**
 * How to answer a request. Every field defaults to what a server would send back.
 *
 * @since 0.1.0
 * @category models
 */
export interface RespondOptions {
  /** NTSTATUS; default STATUS_SUCCESS. */
  readonly status?: number
  /**
   * Default: `minimalResponseBody(command)` for a success, warning or information status, the
   * 9-byte ERROR body for an error status (severity 3, e.g. STATUS_MORE_PROCESSING_REQUIRED too).
   */
  readonly body?: Uint8Array
  /** Credits granted (CreditResponse); default 1. 0 is allowed. */
  readonly credits?: number
  /**
   * The header flags, replacing the default SERVER_TO_REDIR (plus the request's
   * RELATED_OPERATIONS inside `respondCompound`). ASYNC_COMMAND is added when `asyncId` is set.
   * Clear SERVER_TO_REDIR to send a "response" that is not marked as one.
   */
  readonly flags?: number
  /** Sends the async form of the header with this AsyncId. */
  readonly asyncId?: bigint
  /** Default: the request's. */
  readonly sessionId?: bigint
  /** Default: the request's (ignored in the async form). */
  readonly treeId?: number
  /** Default: the request's; set it to answer an id that was never sent. */
  readonly messageId?: bigint
  /** Default: the request's (NEGOTIATE for an SMB1 request). */
  readonly command?: number
  /** Default: the request's. */
  readonly creditCharge?: number
  /** 16 bytes; default zero. Set `flags` to include SIGNED as well. */
  readonly signature?: Uint8Array
}

/**
 * An unsolicited message (MessageId 0xFFFFFFFFFFFFFFFF, response flag set).
 *
 * @since 0.1.0
 * @category models
 */
export interface NotifyOptions {
  /** e.g. OPLOCK_BREAK or SERVER_TO_CLIENT_NOTIFICATION. */
  readonly command: number
  readonly body: Uint8Array
  /** Default 0 (an oplock break or a lease break has SessionId 0). */
  readonly sessionId?: bigint
  /** Default STATUS_SUCCESS. */
  readonly status?: number
  /** Default 0. */
  readonly credits?: number
  /** Default SERVER_TO_REDIR. */
  readonly flags?: number
  /** Sends the message this many times in a single write (default 1): floods cost one write. */
  readonly count?: number
}

/**
 * What a `serve` loop calls for every request.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: ReceivedRequest, peer: TestPeer) => Effect.Effect<void, TransportError>

/**
 * @since 0.1.0
 * @category models
 */
export interface TestPeer {
  /** The next request from the client; compounded requests come one by one. Fails once the stream ended. */
  readonly next: Effect.Effect<ReceivedRequest, TransportError>
  /** The next `n` requests. */
  readonly take: (n: number) => Effect.Effect<ReadonlyArray<ReceivedRequest>, TransportError>
  /** Sends the response to `to` in its own frame. Call it twice for a duplicate response. */
  readonly respond: (to: ReceivedRequest, options?: RespondOptions) => Effect.Effect<void, TransportError>
  /** The final response of an async request: `respond` with `asyncId`. */
  readonly respondAsync: (
    to: ReceivedRequest,
    asyncId: bigint,
    options?: Omit<RespondOptions, "asyncId">
  ) => Effect.Effect<void, TransportError>
  /** Several responses chained in one frame (NextCommand, 8-byte aligned), as a server answers a compound. */
  readonly respondCompound: (
    responses: ReadonlyArray<readonly [to: ReceivedRequest, options?: RespondOptions]>
  ) => Effect.Effect<void, TransportError>
  /** The interim response: STATUS_PENDING in the async form with `asyncId`, ERROR body, `credits` granted (default 1). */
  readonly pending: (
    to: ReceivedRequest,
    asyncId: bigint,
    options?: { readonly credits?: number }
  ) => Effect.Effect<void, TransportError>
  /** Unsolicited message(s), MessageId 0xFFFFFFFFFFFFFFFF. */
  readonly notify: (options: NotifyOptions) => Effect.Effect<void, TransportError>
  /** Any message, framed. */
  readonly sendMessage: (header: Header, body: Uint8Array) => Effect.Effect<void, TransportError>
  /** Raw frame bytes (or parts), with the session header added. */
  readonly sendFrame: (frame: Frame) => Effect.Effect<void, TransportError>
  /** Raw bytes on the stream, no framing: garbage, a bare session header, half a frame. */
  readonly sendRaw: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /**
   * Announces the full length of `message`, sends its first `sent` bytes (default half), then
   * closes. Never fails: a connection already gone is what was asked for.
   */
  readonly dropMidFrame: (message: Uint8Array, options?: { readonly sent?: number }) => Effect.Effect<void>
  /** Closes the connection; idempotent. */
  readonly close: Effect.Effect<void>
  /**
   * Forks a loop that hands every request to `handler`, until the stream ends or the handler
   * fails (both end the loop quietly); it stops when the Scope closes.
   */
  readonly serve: (handler: Handler) => Effect.Effect<void, never, Scope.Scope>
}

/** The ERROR response body (MS-SMB2 2.2.2): StructureSize 9, no contexts, ByteCount 0, one pad byte. */
const errorBody = (): Uint8Array => encodeErrorResponse({ errorContexts: [], errorData: new Uint8Array(0) })

/** StructureSize of each command's response (MS-SMB2 2.2.4 to 2.2.26). CANCEL has no response. */
const responseStructureSize: Record<number, number> = {
  [Command.NEGOTIATE]: 65,
  [Command.SESSION_SETUP]: 9,
  [Command.LOGOFF]: 4,
  [Command.TREE_CONNECT]: 16,
  [Command.TREE_DISCONNECT]: 4,
  [Command.CREATE]: 89,
  [Command.CLOSE]: 60,
  [Command.FLUSH]: 4,
  [Command.READ]: 17,
  [Command.WRITE]: 17,
  [Command.LOCK]: 4,
  [Command.IOCTL]: 49,
  [Command.ECHO]: 4,
  [Command.QUERY_DIRECTORY]: 9,
  [Command.CHANGE_NOTIFY]: 9,
  [Command.QUERY_INFO]: 9,
  [Command.SET_INFO]: 2,
  [Command.OPLOCK_BREAK]: 24
}

/**
 * A response body of the command's StructureSize, zero but for that field (an odd StructureSize
 * counts one byte of the variable part, which is included). The ERROR body for a command without
 * a response or an unknown one. ECHO: 04 00 00 00.
 *
 * @since 0.1.0
 */
export const minimalResponseBody = (command: number): Uint8Array => {
  const size = responseStructureSize[command]
  if (size === undefined) return errorBody()
  const body = new Uint8Array(size)
  viewOf(body).setUint16(0, size, true)
  return body
}

const isErrorStatus = (status: number): boolean => status >>> 30 === 3

/**
 * A message: the 64-byte header, then the body.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeMessage = (header: Header, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(HEADER_SIZE + body.byteLength)
  writeHeader(header, out)
  out.set(body, HEADER_SIZE)
  return out
}

/**
 * The response message `respond` sends (useful with `dropMidFrame` or `sendFrame`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeResponse = (to: ReceivedRequest, options: RespondOptions = {}): Uint8Array => {
  const status = options.status ?? Status.SUCCESS
  const command = options.command ?? (to.kind === "smb1" ? Command.NEGOTIATE : to.header.command)
  const asyncFlag = options.asyncId === undefined ? 0 : HeaderFlags.ASYNC_COMMAND
  const header = makeHeader({
    command,
    messageId: options.messageId ?? to.header.messageId,
    creditCharge: options.creditCharge ?? to.header.creditCharge,
    status,
    credits: options.credits ?? 1,
    flags: (options.flags ?? HeaderFlags.SERVER_TO_REDIR) | asyncFlag,
    asyncId: options.asyncId ?? 0n,
    processId: to.header.processId,
    treeId: options.treeId ?? to.header.treeId,
    sessionId: options.sessionId ?? to.header.sessionId,
    ...(options.signature === undefined ? {} : { signature: options.signature })
  })
  return encodeMessage(header, options.body ?? (isErrorStatus(status) ? errorBody() : minimalResponseBody(command)))
}

/**
 * Chains messages into one compound frame body: each but the last padded to 8 bytes, its
 * NextCommand set to the next one's offset.
 *
 * @since 0.1.0
 * @category encoding
 */
export const joinCompound = (messages: ReadonlyArray<Uint8Array>): Uint8Array => {
  let total = 0
  messages.forEach((m, i) => (total += i === messages.length - 1 ? m.byteLength : align8(m.byteLength)))
  const out = new Uint8Array(total)
  const view = viewOf(out)
  let at = 0
  messages.forEach((m, i) => {
    out.set(m, at)
    if (i < messages.length - 1) {
      view.setUint32(at + 20, align8(m.byteLength), true)
      at += align8(m.byteLength)
    }
  })
  return out
}

const placeholderHeader: Header = makeHeader({ command: -1, messageId: 0n })

/**
 * Splits a received frame into requests, following NextCommand. A NextCommand that does not point
 * at a further header inside the frame ends the split: the message runs to the end of the frame.
 *
 * @since 0.1.0
 */
export const splitFrame = (frame: Uint8Array): Array<ReceivedRequest> => {
  if (frame.byteLength >= 4 && viewOf(frame).getUint32(0, true) === SMB1_PROTOCOL_ID) {
    return [{ kind: "smb1", header: placeholderHeader, message: frame, body: frame.subarray(32), frame }]
  }
  const requests: Array<ReceivedRequest> = []
  let at = 0
  for (;;) {
    const rest = frame.subarray(at)
    const decoded = decodeHeader(rest)
    if (Either.isLeft(decoded)) {
      requests.push({ kind: "other", header: placeholderHeader, message: rest, body: rest, frame })
      return requests
    }
    const header = decoded.right
    const next = header.nextCommand
    const end = next >= HEADER_SIZE && at + next < frame.byteLength ? at + next : frame.byteLength
    const message = frame.subarray(at, end)
    requests.push({ kind: "smb2", header, message, body: message.subarray(HEADER_SIZE), frame })
    if (end === frame.byteLength) return requests
    at = end
  }
}

/**
 * A peer on any byte endpoint (the server end of `MemoryTransport.makePair`, an accepted socket).
 * Its reader runs in the Scope; closing the Scope closes the endpoint.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (endpoint: ByteEndpoint): Effect.Effect<TestPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const requests = yield* Mailbox.make<ReceivedRequest, TransportError>()
    const deframer = makeDeframer()
    const onFrame = (frame: Uint8Array): void => {
      requests.unsafeOfferAll(splitFrame(frame))
    }
    yield* endpoint.read.pipe(
      Effect.flatMap((chunk) => {
        const error = deframer.push(chunk, onFrame)
        return error === undefined ? Effect.void : Effect.fail(error)
      }),
      Effect.forever,
      Effect.catchAll((error) => requests.fail(error)),
      Effect.interruptible,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => endpoint.close)

    const next: Effect.Effect<ReceivedRequest, TransportError> = Effect.catchTag(
      requests.take,
      "NoSuchElementException",
      () => Effect.fail(new TransportError({ reason: "Closed", detail: "the test peer's stream ended" }))
    )
    const sendFrame = (frame: Frame) => endpoint.write(encodeFrame(frame))
    const respond = (to: ReceivedRequest, options?: RespondOptions) => sendFrame(encodeResponse(to, options))

    const peer: TestPeer = {
      next,
      take: (n) => Effect.replicateEffect(next, n),
      respond,
      respondAsync: (to, asyncId, options) => respond(to, { ...options, asyncId }),
      respondCompound: (responses) =>
        sendFrame(joinCompound(responses.map(([to, options]) =>
          encodeResponse(to, {
            flags: HeaderFlags.SERVER_TO_REDIR | (to.header.flags & HeaderFlags.RELATED_OPERATIONS),
            ...options
          })
        ))),
      pending: (to, asyncId, options) =>
        respond(to, { status: Status.PENDING, asyncId, body: errorBody(), credits: options?.credits ?? 1 }),
      notify: (options) => {
        const message = encodeMessage(
          makeHeader({
            command: options.command,
            messageId: UNSOLICITED_MESSAGE_ID,
            status: options.status ?? Status.SUCCESS,
            credits: options.credits ?? 0,
            flags: options.flags ?? HeaderFlags.SERVER_TO_REDIR,
            sessionId: options.sessionId ?? 0n
          }),
          options.body
        )
        const framed = encodeFrame(message)
        const count = options.count ?? 1
        if (count === 1) return endpoint.write(framed)
        const all = new Uint8Array(framed.byteLength * count)
        for (let i = 0; i < count; i++) all.set(framed, i * framed.byteLength)
        return endpoint.write(all)
      },
      sendMessage: (header, body) => sendFrame(encodeMessage(header, body)),
      sendFrame,
      sendRaw: (bytes) => endpoint.write(bytes),
      dropMidFrame: (message, options) => {
        const sent = Math.min(options?.sent ?? Math.floor(message.byteLength / 2), message.byteLength)
        const out = new Uint8Array(PREFIX_SIZE + sent)
        writePrefix(out, 0, message.byteLength)
        out.set(message.subarray(0, sent), PREFIX_SIZE)
        return Effect.zipRight(Effect.ignore(endpoint.write(out)), endpoint.close)
      },
      close: endpoint.close,
      serve: (handler) =>
        next.pipe(
          Effect.flatMap((request) => handler(request, peer)),
          Effect.forever,
          Effect.ignore,
          Effect.interruptible,
          Effect.forkScoped,
          Effect.asVoid
        )
    }
    return peer
  })

/**
 * Answers every request with STATUS_SUCCESS and `minimalResponseBody` of its command, granting
 * `credits` (default: what the request asked for, at least 1). CANCEL gets no answer, as from a
 * server.
 *
 * @since 0.1.0
 * @category handlers
 */
export const makeEchoHandler = (options?: { readonly credits?: number }): Handler => (request, peer) =>
  request.kind === "smb2" && request.header.command === Command.CANCEL
    ? Effect.void
    : peer.respond(request, { credits: options?.credits ?? Math.max(1, request.header.credits) })

/**
 * `makeEchoHandler()`: success with a minimal body for every request, granting what was asked.
 *
 * @since 0.1.0
 * @category handlers
 */
export const echoHandler: Handler = makeEchoHandler()

/**
 * A peer and the client transport connected to it, in memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (
  options?: MemoryTransport.PairOptions
): Effect.Effect<{ readonly peer: TestPeer; readonly transport: TransportShape }, never, Scope.Scope> =>
  Effect.flatMap(MemoryTransport.makePair(options), ([transport, endpoint]) =>
    Effect.map(make(endpoint), (peer) => ({ peer, transport })))

/**
 * The Transport of an in-memory pair whose server end is a peer serving every request with
 * `handler` (default `echoHandler`): code under test runs against it without a server.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (handler: Handler = echoHandler, options?: MemoryTransport.PairOptions): Layer.Layer<Transport> =>
  MemoryTransport.layer((endpoint) => Effect.flatMap(make(endpoint), (peer) => peer.serve(handler)), options)

const peerClosedError = new TransportError({ reason: "ClosedByPeer", detail: "the client closed the connection" })
const resetCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"])

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MILLIS = 1000

/** The server side of an accepted TCP connection as a byte endpoint. */
const fromNetSocket = (socket: Net.Socket): Effect.Effect<ByteEndpoint> =>
  Effect.map(Mailbox.make<Uint8Array, TransportError>(), (chunks) => {
    let closed = false
    socket.on("data", (chunk: Buffer) => {
      chunks.unsafeOffer(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    })
    socket.on("end", () => chunks.unsafeDone(Exit.fail(peerClosedError)))
    socket.on("close", () => chunks.unsafeDone(Exit.fail(peerClosedError)))
    socket.on("error", (cause: Error & { code?: string }) =>
      chunks.unsafeDone(Exit.fail(
        resetCodes.has(cause.code ?? "")
          ? new TransportError({ reason: "ClosedByPeer", detail: "the client reset the connection", cause })
          : new TransportError({ reason: "Read", cause })
      )))
    return {
      write: (bytes) =>
        Effect.async<void, TransportError>((resume) => {
          if (closed) return resume(Effect.fail(new TransportError({ reason: "Closed" })))
          if (socket.destroyed || !socket.writable) return resume(Effect.fail(peerClosedError))
          socket.write(bytes, (cause) =>
            resume(cause ? Effect.fail(new TransportError({ reason: "Write", cause })) : Effect.void))
        }),
      read: Effect.suspend(() =>
        closed
          ? Effect.fail(new TransportError({ reason: "Closed" }))
          : Effect.catchTag(chunks.take, "NoSuchElementException", () => Effect.fail(new TransportError({ reason: "Closed" })))
      ),
      close: Effect.suspend(() => {
        if (closed) return Effect.void
        closed = true
        if (!socket.destroyed) {
          socket.end(() => socket.destroy())
          setTimeout(() => socket.destroy(), CLOSE_GRACE_MILLIS).unref()
        }
        return Effect.asVoid(
          Effect.zipRight(Effect.ignore(chunks.clear), chunks.fail(new TransportError({ reason: "Closed" })))
        )
      })
    }
  })

/**
 * A TCP server on 127.0.0.1 (ephemeral port) whose every accepted connection is a peer.
 * `connections` waits for the next one. Closing the Scope closes the peers and the server.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTcp = (): Effect.Effect<
  { readonly port: number; readonly connections: Effect.Effect<TestPeer> },
  TransportError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const accepted = yield* Queue.unbounded<Net.Socket>()
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer({ noDelay: true }, (socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      // Until a test takes the connection nobody listens; an unhandled 'error' would crash the process.
      socket.on("error", () => undefined)
      accepted.unsafeOffer(socket)
    })
    yield* Effect.acquireRelease(
      Effect.async<void, TransportError>((resume) => {
        server.once("error", (cause) => resume(Effect.fail(new TransportError({ reason: "Refused", detail: "cannot listen", cause }))))
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    yield* Effect.addFinalizer(() => Queue.shutdown(accepted))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const connections = Queue.take(accepted).pipe(
      Effect.flatMap(fromNetSocket),
      Effect.flatMap(make),
      Scope.extend(scope)
    )
    return { port, connections }
  })
