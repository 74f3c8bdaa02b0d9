/**
 * FramePool: large receive buffers, reused. A 256 MiB download in 8 MiB READs would otherwise
 * allocate 32 fresh 8 MiB buffers: each one page-faulted in by the kernel and later freed by a
 * major GC that the external-memory pressure forces (measured: a third of the client's CPU on a
 * loopback read). The pool makes that cost disappear for the code that can say when it is done
 * with a frame: a consumer that copies the data out (`File.read`) or writes it to a file
 * (`File.readEach`, `Files.download`) hands the buffer back with `recycle`; everything else lets
 * the GC take frames as before.
 *
 * Only buffers this pool handed out come back, only when the message spans its whole buffer (a
 * compound frame's sibling messages may still be in use), and at most `MAX_POOLED_BYTES` wait.
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
// Handed out and not yet returned: only these may come back, and each once.
const lent = new WeakSet<ArrayBuffer>()

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
  lent.add(buffer)
  return new Uint8Array(buffer, 0, length)
}

/**
 * Gives back the buffer under `message`, a received message its consumer is done with. Ignored
 * unless the pool lent it and `message` covers all of it.
 *
 * @since 0.1.0
 * @internal
 */
export const recycle = (message: Uint8Array): void => {
  const buffer = message.buffer
  if (!(buffer instanceof ArrayBuffer) || !lent.has(buffer)) return
  if (message.byteOffset !== 0 || message.byteLength !== buffer.byteLength) return
  lent.delete(buffer)
  if (idleBytes + buffer.byteLength > MAX_POOLED_BYTES) return
  const list = idle.get(buffer.byteLength)
  if (list === undefined) idle.set(buffer.byteLength, [buffer])
  else list.push(buffer)
  idleBytes += buffer.byteLength
}

/** @since 0.1.0 @internal */
export const stats = (): { readonly idleBytes: number } => ({ idleBytes })
