/**
 * Server-side copy (MS-SMB2 3.2.4.20.3): the buffers of FSCTL_SRV_REQUEST_RESUME_KEY and
 * FSCTL_SRV_COPYCHUNK / FSCTL_SRV_COPYCHUNK_WRITE, and the IOCTL requests that carry them.
 *
 * The client asks the source's open for a resume key (SRV_REQUEST_RESUME_KEY, 2.2.32.3), then
 * sends the target's open a list of chunks to copy from the source that key names
 * (SRV_COPYCHUNK_COPY, 2.2.31.1, with SRV_COPYCHUNK entries); the server answers with what it
 * wrote (SRV_COPYCHUNK_RESPONSE, 2.2.32.1). A request over the server's limits fails with
 * STATUS_INVALID_PARAMETER and the same response structure holding the limits instead
 * (3.3.5.15.6.2): chunks per request, bytes per chunk, bytes per request.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import type { IoctlRequest } from "./Ioctl.js"
import { CtlCode, IoctlFlags } from "./Ioctl.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** The size of a resume key. @since 0.1.0 @category constants */
export const RESUME_KEY_SIZE = 24

const RESUME_KEY_FIXED = RESUME_KEY_SIZE + 4
const COPY_FIXED = RESUME_KEY_SIZE + 8
const CHUNK_SIZE = 24
const RESPONSE_SIZE = 12

/**
 * SRV_REQUEST_RESUME_KEY: the key that names the source open in a copy request.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResumeKey {
  /** 24 opaque bytes. */
  readonly resumeKey: Uint8Array
  /** Servers send none; the client ignores it. */
  readonly context: Uint8Array
}

/** @since 0.1.0 @category encoding */
export const encodeResumeKey = (x: ResumeKey): Uint8Array => {
  const out = new Uint8Array(RESUME_KEY_FIXED + x.context.length)
  out.set(x.resumeKey.subarray(0, RESUME_KEY_SIZE), 0)
  viewOf(out).setUint32(RESUME_KEY_SIZE, x.context.length, true)
  out.set(x.context, RESUME_KEY_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeResumeKey = (buffer: Uint8Array): Either.Either<ResumeKey, DecodeError> =>
  decode("SrvRequestResumeKey", () => {
    const r = new Reader(buffer, "SrvRequestResumeKey")
    r.need(0, RESUME_KEY_FIXED, "ResumeKey")
    return {
      resumeKey: r.bytesAt(0, RESUME_KEY_SIZE, "ResumeKey"),
      context: r.bytesAt(RESUME_KEY_FIXED, r.u32(RESUME_KEY_SIZE, "ContextLength"), "Context")
    }
  })

/**
 * SRV_COPYCHUNK: `length` bytes from `sourceOffset` in the source to `targetOffset` in the target.
 *
 * @since 0.1.0
 * @category models
 */
export interface Chunk {
  readonly sourceOffset: bigint
  readonly targetOffset: bigint
  readonly length: number
}

/**
 * SRV_COPYCHUNK_COPY.
 *
 * @since 0.1.0
 * @category models
 */
export interface CopyChunkCopy {
  /** The source's resume key, 24 bytes. */
  readonly sourceKey: Uint8Array
  readonly chunks: ReadonlyArray<Chunk>
}

/** @since 0.1.0 @category encoding */
export const encodeCopyChunkCopy = (x: CopyChunkCopy): Uint8Array => {
  const out = new Uint8Array(COPY_FIXED + CHUNK_SIZE * x.chunks.length)
  const v = viewOf(out)
  out.set(x.sourceKey.subarray(0, RESUME_KEY_SIZE), 0)
  v.setUint32(RESUME_KEY_SIZE, x.chunks.length, true)
  x.chunks.forEach((chunk, i) => {
    const at = COPY_FIXED + CHUNK_SIZE * i
    v.setBigUint64(at, chunk.sourceOffset, true)
    v.setBigUint64(at + 8, chunk.targetOffset, true)
    v.setUint32(at + 16, chunk.length, true)
  })
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeCopyChunkCopy = (buffer: Uint8Array): Either.Either<CopyChunkCopy, DecodeError> =>
  decode("SrvCopychunkCopy", () => {
    const r = new Reader(buffer, "SrvCopychunkCopy")
    const count = r.u32(RESUME_KEY_SIZE, "ChunkCount")
    r.need(COPY_FIXED, CHUNK_SIZE * count, "Chunks")
    const chunks: Array<Chunk> = []
    for (let i = 0; i < count; i++) {
      const at = COPY_FIXED + CHUNK_SIZE * i
      chunks.push({
        sourceOffset: r.u64(at, "SourceOffset"),
        targetOffset: r.u64(at + 8, "TargetOffset"),
        length: r.u32(at + 16, "Length")
      })
    }
    return { sourceKey: r.bytesAt(0, RESUME_KEY_SIZE, "SourceKey"), chunks }
  })

/**
 * SRV_COPYCHUNK_RESPONSE. After a copy: the chunks written whole, the bytes written of a chunk
 * written in part, and all the bytes written. With STATUS_INVALID_PARAMETER: the server's
 * limits, chunks per request, bytes per chunk and bytes per request, in the same fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface CopyChunkResponse {
  readonly chunksWritten: number
  readonly chunkBytesWritten: number
  readonly totalBytesWritten: number
}

/** @since 0.1.0 @category encoding */
export const encodeCopyChunkResponse = (x: CopyChunkResponse): Uint8Array => {
  const out = new Uint8Array(RESPONSE_SIZE)
  const v = viewOf(out)
  v.setUint32(0, x.chunksWritten, true)
  v.setUint32(4, x.chunkBytesWritten, true)
  v.setUint32(8, x.totalBytesWritten, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeCopyChunkResponse = (buffer: Uint8Array): Either.Either<CopyChunkResponse, DecodeError> =>
  decode("SrvCopychunkResponse", () => {
    const r = new Reader(buffer, "SrvCopychunkResponse")
    r.need(0, RESPONSE_SIZE, "Buffer")
    return {
      chunksWritten: r.u32(0, "ChunksWritten"),
      chunkBytesWritten: r.u32(4, "ChunkBytesWritten"),
      totalBytesWritten: r.u32(8, "TotalBytesWritten")
    }
  })

/**
 * The IOCTL that asks the open `fileId` for its resume key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRequestResumeKeyIoctl = (fileId: Uint8Array): IoctlRequest => ({
  ctlCode: CtlCode.FSCTL_SRV_REQUEST_RESUME_KEY,
  fileId,
  input: new Uint8Array(0),
  maxInputResponse: 0,
  output: new Uint8Array(0),
  // The key and an empty context; room for a short context a server might add.
  maxOutputResponse: RESUME_KEY_FIXED + 36,
  flags: IoctlFlags.IS_FSCTL
})

/**
 * The IOCTL that copies `copy.chunks` into the open `fileId` (FSCTL_SRV_COPYCHUNK_WRITE: the
 * target needs write access only, where FSCTL_SRV_COPYCHUNK would want read access too).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCopyChunkIoctl = (fileId: Uint8Array, copy: CopyChunkCopy): IoctlRequest => ({
  ctlCode: CtlCode.FSCTL_SRV_COPYCHUNK_WRITE,
  fileId,
  input: encodeCopyChunkCopy(copy),
  maxInputResponse: 0,
  output: new Uint8Array(0),
  maxOutputResponse: RESPONSE_SIZE,
  flags: IoctlFlags.IS_FSCTL
})
