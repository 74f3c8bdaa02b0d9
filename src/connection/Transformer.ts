/**
 * The Transformer turns outgoing messages into frames and received frames into messages: encode,
 * sign, (compress,) encrypt on the way out; decrypt, (decompress,) verify, decode and split
 * compounds on the way in. It is plain synchronous code with state that changes only through
 * serializable `TransformerUpdate`s, so a backend can run it wherever its loops run: on the main
 * thread (FiberBackend, SingleWorker) or inside a worker thread (ThreadBackend).
 *
 * Security rules (MS-SMB2 3.2.4.1.1, 3.2.5.1.1.1, 3.2.5.1.3), per session:
 * - outgoing: encrypt when the session or the message's tree requires it, or the message asks;
 *   otherwise sign when the session requires signing or the message asks. An encrypted message is
 *   not signed. A session that ended (logoff, or a verified SESSION_CLOSED) sends nothing more:
 *   without its keys it would go out in the clear.
 * - incoming: every response is judged by the request it answers, never by its own header, which
 *   a man in the middle can rewrite. Each request sent is remembered (session, tree, signed,
 *   encrypted) until its final response; the response must name the request's session (a
 *   request of session 0 was never protected, and a SESSION_SETUP from 0 learns its session from
 *   the response), and the request's session and tree decide what it needs: a plaintext response
 *   where the session, the tree or the request was encrypted is rejected; a signed response is
 *   verified; an unsigned one is rejected where the session requires signing or the request was
 *   signed (servers sign the response to a signed request, 3.3.4.1.1), except interim
 *   STATUS_PENDING responses, which servers do not sign. A TRANSFORM_HEADER frame is decrypted
 *   with its session's key, and the messages inside must belong to that session.
 * - unsolicited messages (oplock and lease breaks, server-to-client notifications) answer no
 *   request and are not signed by servers (3.2.5.1.3 skips them). Breaks are hints the client
 *   answers with requests of its own, signed or encrypted as usual, so they pass unverified. A
 *   SERVER_TO_CLIENT_NOTIFICATION changes a session's state, so on a session that signs or
 *   encrypts it counts only when encrypted or verified; otherwise it is rejected (a failure with
 *   no request to reach: the worker counts and logs it).
 * Keys arrive as plain bytes in updates (they must cross to a worker thread); they are never
 * logged or put in an error.
 *
 * @since 0.1.0
 */
import * as FramePool from "../transport/FramePool.js"
import * as Either from "effect/Either"
import { DecodeError, TransformFailed } from "../errors.js"
import * as Encryption from "../crypto/Encryption.js"
import * as Signing from "../crypto/Signing.js"
import type { Frame } from "../transport/Transport.js"
import { Command } from "../wire/Command.js"
import { splitCompound } from "../wire/Compound.js"
import {
  HEADER_SIZE,
  type Header,
  HeaderFlags,
  PROTOCOL_ID,
  readHeader,
  TRANSFORM_PROTOCOL_ID,
  UNSOLICITED_MESSAGE_ID,
  writeHeader
} from "../wire/Header.js"
import { align8, concatBytes, decode, Reader } from "../wire/Reader.js"
import { Status } from "../wire/Status.js"
import type { IncomingMessage, OutgoingCompound, OutgoingMessage, SendResult } from "./Message.js"

/**
 * The security state of one session, as the connection established it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionSecurity {
  readonly sessionId: bigint
  readonly signingAlgorithm: Signing.SigningAlgorithmId
  readonly signingKey: Uint8Array
  /** Sign every request and require signed responses. */
  readonly signingRequired: boolean
  /** Present on 3.x sessions with a negotiated cipher. */
  readonly encryption?: {
    readonly cipher: Encryption.CipherId
    readonly encryptionKey: Uint8Array
    readonly decryptionKey: Uint8Array
  }
  /** Encrypt every request and require encrypted responses (SMB2_SESSION_FLAG_ENCRYPT_DATA, or the client's choice). */
  readonly encryptData: boolean
}

/**
 * A change of the transformer's state, sent by the connection as sessions and trees come and go.
 * Plain data, so it can cross to a worker thread.
 *
 * @since 0.1.0
 * @category models
 */
export type TransformerUpdate =
  | { readonly _tag: "SessionEstablished"; readonly session: SessionSecurity }
  | { readonly _tag: "SessionEnded"; readonly sessionId: bigint }
  | { readonly _tag: "TreeEncryption"; readonly sessionId: bigint; readonly treeId: number; readonly encrypt: boolean }

/**
 * One result of transforming a received frame.
 *
 * @since 0.1.0
 * @category models
 */
export type Incoming =
  | { readonly _tag: "Message"; readonly message: IncomingMessage }
  | {
    readonly _tag: "Failure"
    /** Present when the header could be read, so the failure can reach that message's waiter. */
    readonly header: Header | undefined
    readonly error: TransformFailed | DecodeError
  }

/**
 * @since 0.1.0
 * @category models
 */
export interface Outgoing {
  readonly frame: Frame
  readonly raw?: Uint8Array
}

/**
 * What the sender is told once `outgoing` has been written.
 *
 * @since 0.1.0
 */
export const sendResult = (message: OutgoingMessage, outgoing: Outgoing): SendResult =>
  outgoing.raw === undefined
    ? { messageId: message.header.messageId }
    : { messageId: message.header.messageId, raw: outgoing.raw }

interface SessionState extends SessionSecurity {
  readonly nonces: Encryption.NonceGenerator | undefined
  readonly encryptedTrees: Set<number>
}

/** What a response is judged by: the request it answers, as it was sent. */
interface SentRequest {
  readonly command: number
  readonly sessionId: bigint
  readonly treeId: number
  readonly signed: boolean
  readonly encrypted: boolean
}

const toParts = (body: Uint8Array | ReadonlyArray<Uint8Array>): ReadonlyArray<Uint8Array> =>
  body instanceof Uint8Array ? [body] : body

const protocolOf = (frame: Uint8Array): number =>
  frame.byteLength < 4 ? -1 : new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true)

const failure = (header: Header | undefined, error: TransformFailed | DecodeError): Incoming => ({
  _tag: "Failure",
  header,
  error
})

/** Neither encrypted nor signed by any session: negotiation and the first legs of session setup. */
const isSessionless = (command: number): boolean => command === Command.NEGOTIATE

/** Accepted (verified or not), or why not. */
type Verdict = boolean | TransformFailed["reason"]

const verify = (session: SessionState, message: Uint8Array): Verdict =>
  Signing.verify(session.signingAlgorithm, session.signingKey, message) || "BadSignature"

const requestOf = (header: Header): SentRequest => ({
  command: header.command,
  sessionId: header.sessionId,
  treeId: header.treeId,
  signed: false,
  encrypted: false
})

const isInterimHeader = (header: Header): boolean =>
  header.status === Status.PENDING && (header.flags & HeaderFlags.ASYNC_COMMAND) !== 0

/**
 * @since 0.1.0
 * @category models
 */
export class Transformer {
  private readonly sessions = new Map<bigint, SessionState>()
  /** Sessions that ended; requests on them fail rather than go out unprotected. */
  private readonly ended = new Set<bigint>()
  /** Requests sent whose final response has not been checked yet, by message id. */
  private readonly sent = new Map<bigint, SentRequest>()

  /** Applies a state change. */
  update(update: TransformerUpdate): void {
    switch (update._tag) {
      case "SessionEstablished": {
        const { session } = update
        this.sessions.set(session.sessionId, {
          ...session,
          nonces: session.encryption === undefined ? undefined : new Encryption.NonceGenerator(session.encryption.cipher),
          encryptedTrees: this.sessions.get(session.sessionId)?.encryptedTrees ?? new Set()
        })
        return
      }
      case "SessionEnded":
        this.sessions.delete(update.sessionId)
        this.ended.add(update.sessionId)
        return
      case "TreeEncryption": {
        const trees = this.sessions.get(update.sessionId)?.encryptedTrees
        if (update.encrypt) trees?.add(update.treeId)
        else trees?.delete(update.treeId)
        return
      }
    }
  }

  private mustEncrypt(session: SessionState, header: Header): boolean {
    return session.encryptData || (header.treeId !== 0 && session.encryptedTrees.has(header.treeId))
  }

  /**
   * Turns an outgoing message into the frame to write. With `ownsBody` (nobody reads the body's
   * buffers again), encryption may write the ciphertext over them.
   */
  outgoing(message: OutgoingMessage, ownsBody = false): Either.Either<Outgoing, TransformFailed> {
    const { header } = message
    if (message.smb1 === true) {
      this.sent.set(header.messageId, { command: Command.NEGOTIATE, sessionId: 0n, treeId: 0, signed: false, encrypted: false })
      const parts = toParts(message.body)
      return Either.right(message.returnRaw === true ? { frame: parts, raw: concatBytes(parts) } : { frame: parts })
    }
    const protection = this.protection(message)
    if (Either.isLeft(protection)) return Either.left(protection.left)
    const { encrypt, session, sign } = protection.right
    const headerBytes = new Uint8Array(HEADER_SIZE)
    writeHeader(sign ? { ...header, flags: header.flags | HeaderFlags.SIGNED } : header, headerBytes)
    const parts = [headerBytes, ...toParts(message.body)]
    if (sign) headerBytes.set(Signing.sign(session!.signingAlgorithm, session!.signingKey, parts), Signing.SIGNATURE_OFFSET)
    const raw = message.returnRaw === true ? concatBytes(parts) : undefined
    // CANCEL reuses the id of the request it cancels and is never answered itself.
    const sent: SentRequest | undefined = header.command === Command.CANCEL
      ? undefined
      : { command: header.command, sessionId: header.sessionId, treeId: header.treeId, signed: sign, encrypted: encrypt }
    if (!encrypt) {
      if (sent !== undefined) this.sent.set(header.messageId, sent)
      return Either.right(raw === undefined ? { frame: parts } : { frame: parts, raw })
    }
    // Encrypting and signing each need the session (protection says so).
    const { cipher, encryptionKey } = session!.encryption!
    const encrypted = Encryption.encrypt(cipher, encryptionKey, header.sessionId, session!.nonces!.next(), parts, ownsBody)
    if (Either.isRight(encrypted) && sent !== undefined) this.sent.set(header.messageId, sent)
    return Either.map(encrypted, (frame) => (raw === undefined ? { frame } : { frame, raw }))
  }

  /**
   * Turns a compound into one frame (MS-SMB2 3.2.4.1.4): NextCommand and 8-byte padding on every
   * element but the last, RELATED_OPERATIONS after the first when related; each element signed on
   * its own, padding included, or the whole chain encrypted in one TRANSFORM_HEADER when any
   * element must be (all elements must then be of one session: a transform carries one key).
   * Every element is remembered, so each response is judged by its own request.
   */
  outgoingCompound(compound: OutgoingCompound, ownsBody = false): Either.Either<Outgoing, TransformFailed> {
    const { messages } = compound
    const first = messages[0]
    if (first === undefined) {
      return Either.left(new TransformFailed({ reason: "Encode", cause: new Error("a compound needs at least one message") }))
    }
    const plans: Array<{ readonly session: SessionState | undefined; readonly encrypt: boolean; readonly sign: boolean }> = []
    for (const message of messages) {
      const plan = this.protection(message)
      if (Either.isLeft(plan)) return Either.left(plan.left)
      plans.push(plan.right)
    }
    const encrypt = plans.some((plan) => plan.encrypt)
    const sessionId = first.header.sessionId
    if (encrypt && messages.some((message) => message.header.sessionId !== sessionId)) {
      return Either.left(
        new TransformFailed({ reason: "Encrypt", messageId: first.header.messageId, cause: new Error("an encrypted compound must be of one session") })
      )
    }
    const last = messages.length - 1
    const parts: Array<Uint8Array> = []
    messages.forEach((message, i) => {
      const { header } = message
      const { session } = plans[i]!
      const sign = !encrypt && plans[i]!.sign
      const body = toParts(message.body)
      const length = HEADER_SIZE + body.reduce((n, part) => n + part.byteLength, 0)
      const size = i < last ? align8(length) : length
      let flags = compound.related && i > 0 ? header.flags | HeaderFlags.RELATED_OPERATIONS : header.flags & ~HeaderFlags.RELATED_OPERATIONS
      if (sign) flags |= HeaderFlags.SIGNED
      const headerBytes = new Uint8Array(HEADER_SIZE)
      writeHeader({ ...header, flags: flags >>> 0, nextCommand: i < last ? size : 0 }, headerBytes)
      const element = size > length ? [headerBytes, ...body, new Uint8Array(size - length)] : [headerBytes, ...body]
      if (sign) headerBytes.set(Signing.sign(session!.signingAlgorithm, session!.signingKey, element), Signing.SIGNATURE_OFFSET)
      parts.push(...element)
    })
    const remember = () => {
      messages.forEach(({ header }, i) =>
        this.sent.set(header.messageId, {
          command: header.command,
          sessionId: header.sessionId,
          treeId: header.treeId,
          signed: !encrypt && plans[i]!.sign,
          encrypted: encrypt
        })
      )
    }
    if (!encrypt) {
      remember()
      return Either.right({ frame: parts })
    }
    const session = plans.find((plan) => plan.encrypt)!.session!
    const { cipher, encryptionKey } = session.encryption!
    const encrypted = Encryption.encrypt(cipher, encryptionKey, sessionId, session.nonces!.next(), parts, ownsBody)
    if (Either.isRight(encrypted)) remember()
    return Either.map(encrypted, (frame) => ({ frame }))
  }

  /** How a message must be protected (a lone one, or one of a compound): its session's keys, encrypted, signed. */
  private protection(
    message: OutgoingMessage
  ): Either.Either<{ readonly session: SessionState | undefined; readonly encrypt: boolean; readonly sign: boolean }, TransformFailed> {
    const { header } = message
    if (this.ended.has(header.sessionId)) {
      return Either.left(
        new TransformFailed({ reason: "SessionEnded", messageId: header.messageId, cause: new Error(`session ${header.sessionId} has ended`) })
      )
    }
    const session = header.sessionId === 0n ? undefined : this.sessions.get(header.sessionId)
    const encrypt = session !== undefined && session.encryption !== undefined &&
      header.command !== Command.SESSION_SETUP && (message.encrypt === true || this.mustEncrypt(session, header))
    if (message.encrypt === true && !encrypt) {
      return Either.left(
        new TransformFailed({ reason: "NoKey", messageId: header.messageId, cause: new Error("no encryption key for this session") })
      )
    }
    if (message.sign === true && session === undefined) {
      return Either.left(
        new TransformFailed({ reason: "NoKey", messageId: header.messageId, cause: new Error("no signing key for this session") })
      )
    }
    return Either.right({ session, encrypt, sign: !encrypt && session !== undefined && (message.sign === true || session.signingRequired) })
  }

  /** Requests sent and not answered yet (for tests: nothing may linger). */
  get pendingRequests(): number {
    return this.sent.size
  }

  /** Turns one received frame into its messages (several for a compound). */
  incoming(frame: Uint8Array): ReadonlyArray<Incoming> {
    const protocol = protocolOf(frame)
    if (protocol === TRANSFORM_PROTOCOL_ID) return this.decrypted(frame)
    if (protocol !== PROTOCOL_ID) {
      return [failure(undefined, new DecodeError({ reason: "Invalid", structure: "Frame", field: "ProtocolId", offset: 0 }))]
    }
    return this.messages(frame, undefined)
  }

  private decrypted(frame: Uint8Array): ReadonlyArray<Incoming> {
    const sessionId = frame.byteLength >= 52 ? new DataView(frame.buffer, frame.byteOffset + 44, 8).getBigUint64(0, true) : 0n
    const encryption = this.sessions.get(sessionId)?.encryption
    if (encryption === undefined) {
      return [failure(undefined, new TransformFailed({ reason: "NoKey", cause: new Error(`no decryption key for session ${sessionId}`) }))]
    }
    // A pooled frame is ours alone: decrypted in place, its buffer comes back with the plaintext.
    const result = Encryption.decrypt(encryption.cipher, encryption.decryptionKey, frame, FramePool.isLent(frame))
    if (Either.isLeft(result)) return [failure(undefined, result.left)]
    // Decrypted elsewhere, the ciphertext is not looked at again: its buffer can take the next frame.
    if (result.right.plaintext.buffer === frame.buffer) FramePool.narrow(result.right.plaintext)
    else FramePool.recycle(frame)
    if (result.right.sessionId !== sessionId) {
      return [failure(undefined, new TransformFailed({ reason: "Decrypt", cause: new Error("session id mismatch") }))]
    }
    if (protocolOf(result.right.plaintext) !== PROTOCOL_ID) {
      return [failure(undefined, new DecodeError({ reason: "Invalid", structure: "Frame", field: "ProtocolId", offset: 52 }))]
    }
    return this.messages(result.right.plaintext, sessionId)
  }

  /** `encryptedBy`: the session of the TRANSFORM_HEADER the messages came in, if any. */
  private messages(plaintext: Uint8Array, encryptedBy: bigint | undefined): ReadonlyArray<Incoming> {
    const split = splitCompound(plaintext)
    if (Either.isLeft(split)) return [failure(undefined, split.left)]
    const out: Array<Incoming> = []
    for (const message of split.right) {
      const decoded = decode("Header", () => readHeader(new Reader(message, "Header")))
      if (Either.isLeft(decoded)) {
        out.push(failure(undefined, decoded.left))
        continue
      }
      out.push(this.check(decoded.right, message, encryptedBy))
    }
    return out
  }

  private check(header: Header, message: Uint8Array, encryptedBy: bigint | undefined): Incoming {
    const encrypted = encryptedBy !== undefined
    const unsolicited = header.messageId === UNSOLICITED_MESSAGE_ID
    let verdict: Verdict
    // A lease break names no session (0), whichever session's key carried it.
    if (encrypted && header.sessionId !== encryptedBy && !(unsolicited && header.sessionId === 0n)) {
      verdict = "SessionMismatch"
    } else if (unsolicited) {
      verdict = this.judgeUnsolicited(header, message, encrypted)
    } else {
      const sent = this.sent.get(header.messageId)
      // No request of ours has this id: the worker drops it as unknown; until then it is judged
      // by its own header, as strictly as a response of that session would be.
      verdict = this.judgeResponse(header, message, sent ?? requestOf(header), encrypted)
      if (sent !== undefined && !(typeof verdict === "boolean" && isInterimHeader(header))) this.sent.delete(header.messageId)
    }
    return typeof verdict === "string"
      ? failure(header, new TransformFailed({ reason: verdict, messageId: header.messageId }))
      : { _tag: "Message", message: { header, message, body: message.subarray(HEADER_SIZE), verified: verdict, encrypted } }
  }

  private judgeResponse(header: Header, message: Uint8Array, request: SentRequest, encrypted: boolean): Verdict {
    // A request of session 0 was never protected, so its response is not either, whatever
    // session it names (impacket answers a session-less ECHO with the session's id); only a
    // SESSION_SETUP from 0 learns its session from the response.
    if (request.sessionId !== 0n && header.sessionId !== request.sessionId) return "SessionMismatch"
    const sessionId = request.command === Command.SESSION_SETUP ? header.sessionId : request.sessionId
    const session = sessionId === 0n ? undefined : this.sessions.get(sessionId)
    if (session === undefined || isSessionless(request.command) || encrypted) return false
    const mustEncrypt = request.encrypted || session.encryptData ||
      (request.treeId !== 0 && session.encryptedTrees.has(request.treeId))
    if (mustEncrypt && request.command !== Command.SESSION_SETUP) return "Plaintext"
    if ((header.flags & HeaderFlags.SIGNED) !== 0) return verify(session, message)
    if ((session.signingRequired || request.signed) && header.status !== Status.PENDING) return "Unsigned"
    return false
  }

  private judgeUnsolicited(header: Header, message: Uint8Array, encrypted: boolean): Verdict {
    const session = header.sessionId === 0n ? undefined : this.sessions.get(header.sessionId)
    if (encrypted || session === undefined) return false
    if ((header.flags & HeaderFlags.SIGNED) !== 0) return verify(session, message)
    const protectedSession = session.signingRequired || session.encryptData || session.encryptedTrees.size > 0
    if (protectedSession && header.command === Command.SERVER_TO_CLIENT_NOTIFICATION) {
      return session.encryptData ? "Plaintext" : "Unsigned"
    }
    return false
  }
}
