/**
 * The messages between the main thread and the ThreadBackend's worker thread, and the packing
 * that makes them cheap to post: bodies and received frames cross as transferred ArrayBuffers
 * wherever the sender may give the buffer away, and errors cross as plain data (structured clone
 * keeps only an Error's message and stack, so our tagged errors are rebuilt on the other side).
 *
 * Each postMessage carries a batch: an ordered array of items. Order is the protocol's only
 * sequencing: an Update reaches the thread before every Send posted after it, and the thread's
 * results and received messages reach the main thread in the order the thread produced them.
 *
 * @internal
 */
import * as Errors from "../../errors.js"
import { ConnectionStopped, type DecodeError, type TransformFailed } from "../../errors.js"
import type { Header } from "../../wire/Header.js"
import { copyBytes } from "../../wire/Reader.js"
import type { IncomingMessage, OutgoingCompound, OutgoingMessage } from "../Message.js"
import type { Incoming, TransformerUpdate } from "../Transformer.js"

/** An error as plain data. */
export type EncodedError =
  | { readonly _tag: "Tagged"; readonly tag: TaggedName; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly _tag: "Error"; readonly name: string; readonly message: string; readonly stack?: string; readonly code?: string }
  | { readonly _tag: "Value"; readonly value: unknown }

/** What the thread needs to connect (TcpTransport.Options without the `connect` function). */
export interface ConnectOptions {
  readonly host: string
  readonly port: number
  readonly connectTimeoutMillis: number
  readonly maxFrameSize?: number | undefined
  readonly noDelay: boolean
}

/** Faults the thread injects into its own writes, for tests. */
export interface EncodedFaults {
  readonly failWrite?: { readonly at: number; readonly error: EncodedError }
  readonly crashOnWrite?: { readonly at: number; readonly mode: "throw" | "exit" }
}

/** Main thread to worker thread. */
export type ToThread =
  | { readonly _tag: "Connect"; readonly options: ConnectOptions; readonly faults: EncodedFaults }
  | { readonly _tag: "Start" }
  | { readonly _tag: "Send"; readonly seq: number; readonly message: OutgoingMessage }
  /** A compound, written as one frame; reported as Sent or SendFailed under its `seq`. */
  | { readonly _tag: "SendCompound"; readonly seq: number; readonly compound: OutgoingCompound }
  | { readonly _tag: "Update"; readonly update: TransformerUpdate }
  | { readonly _tag: "Stop" }
  /** The buffer of a received frame that the main thread is done with, back to the thread's FramePool. */
  | { readonly _tag: "Recycle"; readonly buffer: ArrayBuffer }

/** Worker thread to main thread. */
export type FromThread =
  /** `threadId`: the thread's own `worker_threads.threadId`, read inside the thread. */
  | { readonly _tag: "Connected"; readonly threadId: number }
  | { readonly _tag: "ConnectFailed"; readonly error: EncodedError }
  | { readonly _tag: "Incoming"; readonly incoming: EncodedIncoming }
  | { readonly _tag: "Sent"; readonly seq: number; readonly raw?: Uint8Array }
  | { readonly _tag: "SendFailed"; readonly seq: number; readonly error: EncodedError }
  /** A large body buffer the thread is done with (encrypted away), for the main thread's FramePool. */
  | { readonly _tag: "Returned"; readonly buffer: ArrayBuffer }
  /** The connection in the thread has stopped and its socket is closed; sent once. */
  | { readonly _tag: "Stopped"; readonly error: EncodedError }

export type EncodedIncoming =
  | { readonly _tag: "Message"; readonly message: IncomingMessage }
  | { readonly _tag: "Failure"; readonly header: Header | undefined; readonly error: EncodedError }

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Every error of errors.ts, so that one nested as a cause crosses with its class too. The module
 * exports nothing else at run time; `satisfies` keeps it that way.
 */
const tagged = Errors satisfies Readonly<Record<string, new(...args: never) => Error>>
type TaggedName = keyof typeof tagged

const isTagged = (u: unknown): u is { readonly _tag: TaggedName } =>
  u instanceof Error && "_tag" in u && typeof u._tag === "string" && Object.hasOwn(tagged, u._tag) &&
  u instanceof tagged[u._tag as TaggedName]

export const encodeError = (u: unknown): EncodedError => {
  if (isTagged(u)) {
    const fields: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(u)) {
      if (key !== "_tag") fields[key] = value
    }
    // An Error's `cause` is an own property but not an enumerable one.
    if (Object.hasOwn(u, "cause")) fields.cause = encodeError((u as { readonly cause?: unknown }).cause)
    return { _tag: "Tagged", tag: u._tag, fields }
  }
  if (u instanceof Error) {
    const code = "code" in u && typeof u.code === "string" ? u.code : undefined
    return {
      _tag: "Error",
      name: u.name,
      message: u.message,
      ...(u.stack === undefined ? {} : { stack: u.stack }),
      ...(code === undefined ? {} : { code })
    }
  }
  try {
    return { _tag: "Value", value: structuredClone(u) }
  } catch {
    return { _tag: "Value", value: String(u) }
  }
}

export const decodeError = (e: EncodedError): unknown => {
  switch (e._tag) {
    case "Tagged": {
      const fields = "cause" in e.fields ? { ...e.fields, cause: decodeError(e.fields.cause as EncodedError) } : e.fields
      return new tagged[e.tag](fields as never)
    }
    case "Error": {
      const error = new Error(e.message)
      error.name = e.name
      if (e.stack !== undefined) error.stack = e.stack
      if (e.code !== undefined) Object.assign(error, { code: e.code })
      return error
    }
    case "Value":
      return e.value
  }
}

/** A ConnectionStopped from the other thread; anything else becomes a WorkerFailed carrying it. */
export const decodeStopped = (e: EncodedError): ConnectionStopped => {
  const error = decodeError(e)
  return error instanceof ConnectionStopped ? error : new ConnectionStopped({ reason: "WorkerFailed", cause: error })
}

// ---------------------------------------------------------------------------------------------
// Batching

/** Where items for the other thread gather: see makeBatcher. */
export interface Batcher<A> {
  readonly post: (item: A) => void
  /** The buffers to transfer with the batch being gathered; the pack functions add to it. */
  readonly transfers: Set<ArrayBuffer>
}

/**
 * Gathers items until the event loop's check phase (setImmediate), then hands them to `send` in
 * one go with their transfer list: everything the events of one turn caused costs one
 * postMessage. A microtask would fire after every single event and batch nothing.
 */
export const makeBatcher = <A>(
  send: (items: ReadonlyArray<A>, transfers: ReadonlyArray<ArrayBuffer>) => void
): Batcher<A> => {
  let batch: Array<A> = []
  const transfers = new Set<ArrayBuffer>()
  let flushScheduled = false
  const flush = (): void => {
    flushScheduled = false
    const items = batch
    const list = Array.from(transfers)
    batch = []
    transfers.clear()
    send(items, list)
  }
  return {
    post: (item) => {
      batch.push(item)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flush)
      }
    },
    transfers
  }
}

// ---------------------------------------------------------------------------------------------
// Buffers

/** The view covers its whole ArrayBuffer, so giving the buffer away gives away nothing else. */
export const isWhole = (bytes: Uint8Array): boolean => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength

/**
 * Outgoing parts smaller than this are copied by the structured clone rather than transferred:
 * the copy costs about as little as a transfer, and the caller's small buffers (often constants
 * reused for every request) are not detached under it.
 */
export const TRANSFER_MIN_BYTES = 64 * 1024

const EMPTY = new Uint8Array(0)

/** `bytes` copied into a buffer of their own, which is transferred. */
const transferredCopy = (bytes: Uint8Array, transfers: Set<ArrayBuffer>): Uint8Array => {
  const copy = copyBytes(bytes)
  transfers.add(copy.buffer)
  return copy
}

/**
 * One outgoing part as it should be posted. A whole buffer of at least TRANSFER_MIN_BYTES is
 * transferred (the caller's view is detached); a view into a larger buffer is copied first (a
 * clone would copy its entire buffer); an empty part, possibly over a buffer already detached,
 * becomes a fresh empty array (posting a detached buffer throws).
 */
const packPart = (part: Uint8Array, transfers: Set<ArrayBuffer>): Uint8Array => {
  if (part.byteLength === 0) return EMPTY
  if (isWhole(part)) {
    if (part.byteLength >= TRANSFER_MIN_BYTES) transfers.add(part.buffer as ArrayBuffer)
    return part
  }
  return transferredCopy(part, transfers)
}

const packSignature = (header: Header): Header =>
  isWhole(header.signature) ? header : { ...header, signature: copyBytes(header.signature) }

/** An outgoing message for the Send item; its transferable buffers are added to `transfers`. */
export const packOutgoing = (message: OutgoingMessage, transfers: Set<ArrayBuffer>): OutgoingMessage => ({
  ...message,
  header: packSignature(message.header),
  body: message.body instanceof Uint8Array
    ? packPart(message.body, transfers)
    : message.body.map((part) => packPart(part, transfers))
})

/** A compound for the SendCompound item, each element packed as `packOutgoing` packs one. */
export const packCompound = (compound: OutgoingCompound, transfers: Set<ArrayBuffer>): OutgoingCompound => ({
  related: compound.related,
  messages: compound.messages.map((message) => packOutgoing(message, transfers))
})

/**
 * Bytes the thread posts. Transferred when the thread may give the buffer away: `owned` (the
 * buffer of the received frame) or a whole buffer (a Transformer output: the Transformer keeps no
 * reference to what it returns). Anything else is copied into a buffer of its own.
 */
export const packBytes = (
  bytes: Uint8Array,
  owned: ArrayBufferLike | undefined,
  transfers: Set<ArrayBuffer>
): Uint8Array => {
  if (bytes.byteLength === 0) return EMPTY
  if (bytes.buffer === owned || isWhole(bytes)) {
    transfers.add(bytes.buffer as ArrayBuffer)
    return bytes
  }
  return transferredCopy(bytes, transfers)
}

/** `view` as the same bytes of `to`, when it lies inside `from` and `to` is a copy of `from`. */
const rebase = (view: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array | undefined => {
  const start = view.byteOffset - from.byteOffset
  return view.buffer === from.buffer && start >= 0 && start + view.byteLength <= from.byteLength
    ? to.subarray(start, start + view.byteLength)
    : undefined
}

/** A received message for the Incoming item; `owned` is the buffer of the frame it came in. */
export const packIncoming = (incoming: Incoming, owned: ArrayBufferLike, transfers: Set<ArrayBuffer>): EncodedIncoming => {
  if (incoming._tag === "Failure") {
    return {
      _tag: "Failure",
      header: incoming.header === undefined ? undefined : { ...incoming.header, signature: copyBytes(incoming.header.signature) },
      error: encodeError(incoming.error)
    }
  }
  const m = incoming.message
  const message = packBytes(m.message, owned, transfers)
  // Views into `message` follow it (into its copy, if it was copied); others get their own.
  const follow = (view: Uint8Array): Uint8Array =>
    rebase(view, m.message, message) ?? packBytes(view, owned, transfers)
  const signature = rebase(m.header.signature, m.message, message) ?? copyBytes(m.header.signature)
  return { _tag: "Message", message: { ...m, header: { ...m.header, signature }, message, body: follow(m.body) } }
}

export const unpackIncoming = (incoming: EncodedIncoming): Incoming =>
  incoming._tag === "Message"
    ? incoming
    : {
      _tag: "Failure",
      header: incoming.header,
      error: decodeError(incoming.error) as TransformFailed | DecodeError
    }
