/**
 * FramePool: large receive buffers, reused (and the chunk buffers of `FileHandle.writeEach`).
 * A 256 MiB download in 8 MiB READs would otherwise allocate 32 fresh 8 MiB buffers: each one
 * page-faulted in by the kernel and later freed by a major GC that the external-memory pressure
 * forces (measured: a third of the client's CPU on a loopback read). The pool makes that cost
 * disappear for the code that can say when it is done with a frame: a consumer that copies the
 * data out (`File.read`) or writes it to a file (`File.readEach`, `Files.download`) hands the
 * buffer back with `recycle`; everything else lets the GC take frames as before.
 *
 * Only buffers this pool handed out come back, only when the message spans all its buffer holds (a
 * compound frame's sibling messages may still be in use), and at most `MAX_POOLED_BYTES` wait. An
 * encrypted frame is decrypted in place in its pooled buffer (`narrow`), so encrypted reads reuse
 * buffers too. With the thread backend, frames come from the thread's pool and go back to it
 * (`adopt` on the main thread, `restore` in the thread): the main thread then frees nothing.
 * Frames keep owning their whole ArrayBuffer (the thread backend transfers them). One pool per
 * thread: like Node's own Buffer pool, it is process state, bounded and invisible to users.
 *
 * @since 0.1.0
 * @internal
 */

/** Frames below this size are cheap to allocate and are never pooled. */
export const MIN_POOLED = 1024 * 1024
/** Idle bytes the pool keeps at most. */
export const MAX_POOLED_BYTES = 32 * 1024 * 1024

const idle = new Map<number, Array<ArrayBuffer>>()
let idleBytes = 0

/**
 * Handed out and not yet returned: only these may come back, and each once. `start` is where the
 * one message that may return the buffer begins (0, or past the TRANSFORM_HEADER once a frame has
 * been decrypted in place); `home` takes the buffer instead of this pool (a buffer that came
 * from a worker thread goes back to that thread's pool).
 */
interface Lent {
  start: number
  readonly home: ((buffer: ArrayBuffer) => void) | undefined
}
const lent = new WeakMap<ArrayBuffer, Lent>()

const keep = (buffer: ArrayBuffer): void => {
  const size = buffer.byteLength
  // Room is made by dropping idle buffers of other sizes: the size in use now wins (a download
  // after an upload must not find the pool full of the upload's chunk buffers).
  for (const [length, list] of idle) {
    if (idleBytes + size <= MAX_POOLED_BYTES) break
    if (length === size) continue
    while (list.length > 0 && idleBytes + size > MAX_POOLED_BYTES) {
      list.pop()
      idleBytes -= length
    }
    if (list.length === 0) idle.delete(length)
  }
  if (idleBytes + size > MAX_POOLED_BYTES) return
  const list = idle.get(buffer.byteLength)
  if (list === undefined) idle.set(buffer.byteLength, [buffer])
  else list.push(buffer)
  idleBytes += buffer.byteLength
}

/**
 * A buffer of exactly `length` bytes that owns its whole ArrayBuffer, not zero-filled.
 *
 * @since 0.1.0
 * @internal
 */
export const allocate = (length: number): Uint8Array => {
  if (length < MIN_POOLED) {
    const slow = Buffer.allocUnsafeSlow(length)
    return new Uint8Array(slow.buffer, slow.byteOffset, length)
  }
  const reused = idle.get(length)?.pop()
  if (reused !== undefined) idleBytes -= length
  const buffer = reused ?? (Buffer.allocUnsafeSlow(length).buffer as ArrayBuffer)
  lent.set(buffer, { start: 0, home: undefined })
  return new Uint8Array(buffer, 0, length)
}

/**
 * Whether an idle buffer of exactly `length` bytes waits: `allocate` would then reserve nothing new.
 *
 * @since 0.1.0
 * @internal
 */
export const hasIdle = (length: number): boolean => (idle.get(length)?.length ?? 0) > 0

/**
 * Whether `frame` is a whole buffer this pool lent: its owner may then overwrite it (decrypt in
 * place), since nobody else can hold it.
 *
 * @since 0.1.0
 * @internal
 */
export const isLent = (frame: Uint8Array): boolean =>
  frame.buffer instanceof ArrayBuffer && lent.get(frame.buffer)?.start === 0 && frame.byteOffset === 0 &&
  frame.byteLength === frame.buffer.byteLength

/**
 * The lent buffer under `message` now holds `message` from its offset to the buffer's end (a
 * frame decrypted in place): that view is what may give it back.
 *
 * @since 0.1.0
 * @internal
 */
export const narrow = (message: Uint8Array): void => {
  const record = message.buffer instanceof ArrayBuffer ? lent.get(message.buffer) : undefined
  if (record !== undefined && message.byteOffset + message.byteLength === message.buffer.byteLength) {
    record.start = message.byteOffset
  }
}

/**
 * Takes in `message`, a view to the end of a buffer another pool lent (a frame transferred from a
 * worker thread): when its consumer recycles it, `home` gets the buffer back. Small buffers and
 * views that stop short of the end (a compound's first messages) are left to the GC.
 *
 * @since 0.1.0
 * @internal
 */
export const adopt = (message: Uint8Array, home: (buffer: ArrayBuffer) => void): void => {
  const buffer = message.buffer
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MIN_POOLED) return
  if (message.byteOffset + message.byteLength !== buffer.byteLength) return
  lent.set(buffer, { start: message.byteOffset, home })
}

/**
 * A buffer given back from elsewhere (a consumer in another thread is done with a frame this
 * pool's thread lent it): idle again.
 *
 * @since 0.1.0
 * @internal
 */
export const restore = (buffer: ArrayBuffer): void => {
  if (buffer.byteLength >= MIN_POOLED) keep(buffer)
}

/**
 * Gives back the buffer under `message`, a received message its consumer is done with. Ignored
 * unless the pool lent it and `message` is the whole of what it holds.
 *
 * @since 0.1.0
 * @internal
 */
export const recycle = (message: Uint8Array): void => {
  const buffer = message.buffer
  const record = buffer instanceof ArrayBuffer ? lent.get(buffer) : undefined
  // A buffer transferred away meanwhile (thread backend) is detached: nothing to keep.
  if (record === undefined || buffer.byteLength === 0) return
  if (message.byteOffset !== record.start || message.byteOffset + message.byteLength !== buffer.byteLength) return
  lent.delete(buffer as ArrayBuffer)
  if (record.home !== undefined) record.home(buffer as ArrayBuffer)
  else keep(buffer as ArrayBuffer)
}

/** @since 0.1.0 @internal */
export const stats = (): { readonly idleBytes: number } => ({ idleBytes })
