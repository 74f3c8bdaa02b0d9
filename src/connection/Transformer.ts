/**
 * The Transformer turns outgoing messages into frames and received frames into messages: encode,
 * sign, (compress,) encrypt on the way out; decrypt, (decompress,) verify, decode and split
 * compounds on the way in. It is plain synchronous code with state that changes only through
 * serializable `TransformerUpdate`s, so a backend can run it wherever its loops run: on the main
 * thread (FiberBackend, SingleWorker) or inside a worker thread (ThreadBackend).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { DecodeError, TransformFailed } from "../errors.js"
import type { Frame } from "../transport/Transport.js"
import { splitCompound } from "../wire/Compound.js"
import { HEADER_SIZE, type Header, PROTOCOL_ID, readHeader, writeHeader } from "../wire/Header.js"
import { concatBytes, decode, Reader } from "../wire/Reader.js"
import type { IncomingMessage, OutgoingMessage } from "./Message.js"

/**
 * A change of the transformer's state, sent by the connection as sessions come and go. Plain
 * data, so it can cross to a worker thread.
 *
 * @since 0.1.0
 * @category models
 */
export type TransformerUpdate = { readonly _tag: "SessionEnded"; readonly sessionId: bigint }

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

const toParts = (body: Uint8Array | ReadonlyArray<Uint8Array>): ReadonlyArray<Uint8Array> =>
  body instanceof Uint8Array ? [body] : body

/**
 * @since 0.1.0
 * @category models
 */
export class Transformer {
  /** Applies a state change. */
  update(update: TransformerUpdate): void {
    switch (update._tag) {
      case "SessionEnded":
        return
    }
  }

  /** Turns an outgoing message into the frame to write. */
  outgoing(message: OutgoingMessage): Either.Either<Outgoing, TransformFailed> {
    const header = new Uint8Array(HEADER_SIZE)
    writeHeader(message.header, header)
    const parts = [header, ...toParts(message.body)]
    return Either.right(message.returnRaw === true ? { frame: parts, raw: concatBytes(parts) } : { frame: parts })
  }

  /** Turns one received frame into its messages (several for a compound). */
  incoming(frame: Uint8Array): ReadonlyArray<Incoming> {
    if (frame.byteLength < 4 || new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true) !== PROTOCOL_ID) {
      return [{
        _tag: "Failure",
        header: undefined,
        error: new DecodeError({ reason: "Invalid", structure: "Frame", field: "ProtocolId", offset: 0 })
      }]
    }
    const split = splitCompound(frame)
    if (Either.isLeft(split)) return [{ _tag: "Failure", header: undefined, error: split.left }]
    const out: Array<Incoming> = []
    for (const message of split.right) {
      const header = decode("Header", () => readHeader(new Reader(message, "Header")))
      if (Either.isLeft(header)) {
        out.push({ _tag: "Failure", header: undefined, error: header.left })
        continue
      }
      out.push({
        _tag: "Message",
        message: { header: header.right, message, body: message.subarray(HEADER_SIZE), verified: false, encrypted: false }
      })
    }
    return out
  }
}
