/**
 * Copying and moving files, for Copy.ts (Files.copy, copyBetween, moveBetween).
 *
 * Inside one tree the server copies (MS-SMB2 3.2.4.20.3): the source's open gives a resume key
 * (FSCTL_SRV_REQUEST_RESUME_KEY) and the target's open gets FSCTL_SRV_COPYCHUNK_WRITE requests,
 * each a list of chunks, so no data crosses the network. The server's limits (chunks per request,
 * bytes per chunk, bytes per request) are not known beforehand: the first request tries 16 chunks
 * of 1 MiB alone (16 MiB, the most Windows and Samba take by default); a server with lower limits
 * refuses it with STATUS_INVALID_PARAMETER and its limits in the response, and the copy goes on
 * within them. The rest is cut into requests of the largest size allowed, several in flight
 * (never more than the worker's maxInFlight). A request the server carried out in part is sent
 * again for the rest. A server without server-side copy (STATUS_NOT_SUPPORTED,
 * STATUS_INVALID_DEVICE_REQUEST, STATUS_NOT_IMPLEMENTED: impacket's smbserver, for one) gets the
 * streamed copy instead.
 *
 * Between trees (other shares, sessions, servers) the copy is streamed through this client: the
 * source is read chunk by chunk (readEach, reused buffers) and each chunk written to the target.
 *
 * Like Files.upload, a copy onto an existing file writes a temporary file in the target's folder
 * and renames it over the target once complete, so a failed copy leaves the old file whole;
 * `inPlace` writes into the target instead.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type { RequestError } from "../../errors.js"
import { InvalidState, ServerError } from "../../errors.js"
import { Command } from "../../wire/Command.js"
import type { Chunk, CopyChunkResponse } from "../../wire/CopyChunk.js"
import { decodeCopyChunkResponse, decodeResumeKey, makeCopyChunkIoctl, makeRequestResumeKeyIoctl } from "../../wire/CopyChunk.js"
import { AccessMask } from "../../wire/Create.js"
import type { IoctlRequest } from "../../wire/Ioctl.js"
import { decodeIoctlResponse, encodeIoctlRequest } from "../../wire/Ioctl.js"
import { Status, statusName } from "../../wire/Status.js"
import type { CopyChunkLimits, CopyOptions, CopyResult, MoveOptions } from "../Copy.js"
import type { FileHandle } from "../File.js"
import * as File from "../File.js"
import type { TreeShape } from "../Tree.js"
import { fromWirePath, temporaryPath } from "./path.js"

const DEFAULT_LIMITS: CopyChunkLimits = { chunks: 16, chunkBytes: 1024 * 1024, requestBytes: 16 * 1024 * 1024 }
const DEFAULT_IN_FLIGHT = 4

// Statuses that say the server has no server-side copy, or not for this file system.
const UNSUPPORTED: ReadonlySet<number> = new Set([Status.NOT_SUPPORTED, Status.INVALID_DEVICE_REQUEST, Status.NOT_IMPLEMENTED])

const isUnsupported = (error: RequestError): boolean => error._tag === "ServerError" && UNSUPPORTED.has(error.status)

/** A ServerError names the file it was about; one that names a path keeps it, unless `rename`. */
const atPath = (tree: TreeShape, path: string, rename = false) => <E>(error: E): E =>
  error instanceof ServerError && (rename || error.path === undefined)
    ? new ServerError({ ...error, share: tree.share, path: fromWirePath(path) }) as E
    : error

/** The IOCTLs of a server-side copy fail as a copy: "cannot copy to 'share/x'". */
const asCopy = (tree: TreeShape, path: string, verb: string) => <E>(error: E): E =>
  error instanceof ServerError && error.path === undefined
    ? new ServerError({ ...error, share: tree.share, path: fromWirePath(path), verb }) as E
    : error

const fromEither = <A, E>(value: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(value.left)

const ioctl = (tree: TreeShape, request: IoctlRequest, status: ReadonlyArray<number>) =>
  tree.session.connection.handler.sendRecv(
    {
      command: Command.IOCTL,
      sessionId: tree.session.id,
      treeId: tree.id,
      body: encodeIoctlRequest(request),
      payloadSize: request.input.length,
      responseSize: request.maxOutputResponse
    },
    { command: Command.IOCTL, status, allowAsync: true }
  )

const requestResumeKey = (tree: TreeShape, source: FileHandle): Effect.Effect<Uint8Array, RequestError> =>
  Effect.gen(function*() {
    const reply = yield* ioctl(tree, makeRequestResumeKeyIoctl(source.fileId), [Status.SUCCESS])
    const response = yield* fromEither(decodeIoctlResponse(reply.message))
    return (yield* fromEither(decodeResumeKey(response.output))).resumeKey
  })

type CopyReply =
  | { readonly _tag: "Written"; readonly response: CopyChunkResponse }
  | { readonly _tag: "Limits"; readonly limits: CopyChunkLimits; readonly error: ServerError }

/** One FSCTL_SRV_COPYCHUNK_WRITE: what was written, or the limits a refused request was over. */
const copyChunks = (
  tree: TreeShape,
  target: FileHandle,
  sourceKey: Uint8Array,
  chunks: ReadonlyArray<Chunk>
): Effect.Effect<CopyReply, RequestError> =>
  Effect.gen(function*() {
    const reply = yield* ioctl(tree, makeCopyChunkIoctl(target.fileId, { sourceKey, chunks }), [Status.SUCCESS, Status.INVALID_PARAMETER])
    const response = Either.flatMap(decodeIoctlResponse(reply.message), (r) => decodeCopyChunkResponse(r.output))
    if (reply.header.status === Status.SUCCESS) return { _tag: "Written", response: yield* fromEither(response) } as const
    const error = new ServerError({
      reason: statusName(reply.header.status),
      status: reply.header.status,
      command: "IOCTL",
      messageId: reply.header.messageId
    })
    // An INVALID_PARAMETER without the response structure is a refusal for another reason.
    if (Either.isLeft(response)) return yield* error
    const { chunkBytesWritten, chunksWritten, totalBytesWritten } = response.right
    return { _tag: "Limits", limits: { chunks: chunksWritten, chunkBytes: chunkBytesWritten, requestBytes: totalBytesWritten }, error } as const
  })

/** The chunks of one request from `at` towards `end`, within `limits`. */
const planRequest = (at: number, end: number, limits: CopyChunkLimits): Array<Chunk> => {
  const chunks: Array<Chunk> = []
  const stop = Math.min(end, at + limits.requestBytes)
  for (let offset = at; offset < stop && chunks.length < limits.chunks; offset += limits.chunkBytes) {
    const length = Math.min(limits.chunkBytes, stop - offset)
    chunks.push({ sourceOffset: BigInt(offset), targetOffset: BigInt(offset), length })
  }
  return chunks
}

/** The most one request copies. */
const requestSize = (limits: CopyChunkLimits): number => Math.min(limits.requestBytes, limits.chunks * limits.chunkBytes)

const positive = (n: number | undefined, fallback: number): number =>
  n !== undefined && Number.isSafeInteger(n) && n > 0 ? Math.min(n, 0xffffffff) : fallback

/**
 * Copies `size` bytes from `source` to `target` on the server; its errors name `to` (the target
 * may be a temporary file). Fails as the server does.
 */
const serverSideCopy = (
  tree: TreeShape,
  source: FileHandle,
  target: FileHandle,
  to: string,
  size: number,
  options: CopyOptions
): Effect.Effect<CopyResult, RequestError> =>
  Effect.gen(function*() {
    const sourceKey = yield* Effect.mapError(requestResumeKey(tree, source), asCopy(tree, source.path, "copy"))
    let limits: CopyChunkLimits = {
      chunks: positive(options.chunkLimits?.chunks, DEFAULT_LIMITS.chunks),
      chunkBytes: positive(options.chunkLimits?.chunkBytes, DEFAULT_LIMITS.chunkBytes),
      requestBytes: positive(options.chunkLimits?.requestBytes, DEFAULT_LIMITS.requestBytes)
    }
    let requests = 0

    // Copies [start, end) with as many requests as it takes, in order.
    const copyRange = (start: number, end: number): Effect.Effect<void, RequestError> =>
      Effect.gen(function*() {
        let at = start
        while (at < end) {
          const tried = limits
          requests++
          const reply = yield* copyChunks(tree, target, sourceKey, planRequest(at, end, tried))
          if (reply._tag === "Limits") {
            const next = {
              chunks: Math.min(limits.chunks, reply.limits.chunks),
              chunkBytes: Math.min(limits.chunkBytes, reply.limits.chunkBytes),
              requestBytes: Math.min(limits.requestBytes, reply.limits.requestBytes)
            }
            // Limits no lower than those tried (or none at all): refused for another reason.
            const lower = next.chunks < tried.chunks || next.chunkBytes < tried.chunkBytes || next.requestBytes < tried.requestBytes
            if (!lower || next.chunks === 0 || next.chunkBytes === 0 || next.requestBytes === 0) return yield* reply.error
            limits = next
            continue
          }
          const written = reply.response.totalBytesWritten
          if (written === 0) {
            return yield* new InvalidState({ reason: "ShortWrite", detail: `server-side copy at ${at}: the server copied nothing` })
          }
          at += Math.min(written, end - at)
        }
      })

    // The first request alone: it learns the server's limits, which the others then keep to.
    const first = Math.min(size, requestSize(limits))
    yield* copyRange(0, first)
    const step = requestSize(limits)
    const pieces: Array<readonly [number, number]> = []
    for (let at = first; at < size; at += step) pieces.push([at, Math.min(size, at + step)])
    const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_IN_FLIGHT, tree.session.connection.handler.maxInFlight))
    yield* Effect.forEach(pieces, ([start, end]) => copyRange(start, end), { concurrency, discard: true })
    return { bytes: size, serverSide: true, requests, limits }
  }).pipe(Effect.mapError(asCopy(tree, to, "copy to")))

/** Copies the source to the target through this client: each chunk read is written. */
const streamedCopy = (source: FileHandle, target: FileHandle, options: CopyOptions): Effect.Effect<CopyResult, RequestError> =>
  Effect.map(
    source.readEach((chunk, position) => target.write(chunk, { ...options, offset: position }), options),
    (bytes) => ({ bytes, serverSide: false, requests: 0 })
  )

const sameTree = (a: TreeShape, b: TreeShape): boolean => a === b || (a.session === b.session && a.id === b.id)

/**
 * Copies the file `from` on `sourceTree` to `to` on `targetTree`: on the server when both are
 * the same tree, streamed otherwise (see the module comment).
 *
 * @since 0.1.0
 * @internal
 */
export const copy = (
  sourceTree: TreeShape,
  from: string,
  targetTree: TreeShape,
  to: string,
  options: CopyOptions = {}
): Effect.Effect<CopyResult, RequestError> =>
  Effect.scoped(Effect.gen(function*() {
    const source = yield* File.open(sourceTree, from, { access: "read", directory: false })
    const size = source.size
    const replace = options.replace !== false
    const whole = options.inPlace !== true
    // As in Files.upload: the temporary file goes again if anything fails before the rename.
    const target = whole
      ? yield* Effect.uninterruptible(Effect.tap(
        File.open(targetTree, temporaryPath(to), { access: File.accessMask("write") | AccessMask.DELETE, disposition: "create", directory: false }),
        (temporary) => Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(temporary.delete))
      ))
      // Not emptied at the open but cut to size at the end: a copy onto itself (the same name, or
      // another name of the same file) then leaves the file as it was rather than empty.
      : yield* File.open(targetTree, to, { access: "write", disposition: replace ? "openIf" : "create", directory: false })
    const streamed = streamedCopy(source, target, options)
    const result = options.serverSide !== false && sameTree(sourceTree, targetTree)
      ? yield* serverSideCopy(sourceTree, source, target, to, size, options).pipe(
        // Servers refuse at the resume key or the first request; a fallback later would copy
        // everything again, which is harmless.
        Effect.catchIf(isUnsupported, () => streamed)
      )
      : yield* streamed
    if (!whole) yield* target.truncate(size)
    // Closed before the rename: a server may refuse to replace a file that is open (Samba does),
    // and the target may be the source itself.
    yield* source.close
    // A refused rename names the target, not the temporary file.
    if (whole) yield* Effect.mapError(target.rename(to, { replace }), atPath(targetTree, to, true))
    return result
  })).pipe(Effect.withSpan("smb.files.copy", { attributes: { share: sourceTree.share, from, targetShare: targetTree.share, to } }))

/**
 * Moves the file `from` on `sourceTree` to `to` on `targetTree`: a rename on one tree; on two,
 * a copy (see `copy`) and then the removal of the source.
 *
 * @since 0.1.0
 * @internal
 */
export const move = (
  sourceTree: TreeShape,
  from: string,
  targetTree: TreeShape,
  to: string,
  options: MoveOptions = {}
): Effect.Effect<{ readonly renamed: boolean }, RequestError> =>
  sameTree(sourceTree, targetTree)
    ? Effect.scoped(Effect.flatMap(
      File.open(sourceTree, from, { access: AccessMask.DELETE }),
      (handle) => handle.rename(to, { replace: options.replace !== false })
    )).pipe(Effect.as({ renamed: true }))
    : Effect.zipRight(
      copy(sourceTree, from, targetTree, to, options),
      Effect.scoped(Effect.flatMap(
        File.open(sourceTree, from, { access: AccessMask.DELETE, directory: false }),
        (handle) => handle.delete
      )).pipe(Effect.as({ renamed: false }))
    )
