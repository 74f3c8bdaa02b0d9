/**
 * Copy and move: files copied on the server inside a tree (FSCTL_SRV_COPYCHUNK_WRITE, no data
 * crossing the network), streamed through this client between trees, shares or servers; moved by
 * a rename inside a tree, by a copy and a removal between trees. Files re-exports the functions
 * (`Files.copy`, `Files.copyBetween`, `Files.moveBetween`); the machinery is in internal/copy.ts.
 *
 * A copy onto an existing file is written to a temporary file in the target's folder and renamed
 * over the target once complete, as Files.upload does, so a failed copy leaves the old file whole.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { RequestError } from "../errors.js"
import type { TransferOptions } from "./File.js"
import * as Internal from "./internal/copy.js"
import type { TreeShape } from "./Tree.js"

/**
 * What one server-side copy request may hold (MS-SMB2 3.3.5.15.6: ServerSideCopyMaxNumberofChunks,
 * ServerSideCopyMaxChunkSize, ServerSideCopyMaxDataSize).
 *
 * @since 0.1.0
 * @category models
 */
export interface CopyChunkLimits {
  readonly chunks: number
  readonly chunkBytes: number
  readonly requestBytes: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CopyOptions extends TransferOptions {
  /**
   * Write into an existing target rather than replace it whole. By default the copy goes to a
   * temporary file in the target's folder, renamed over the target once complete, so a failure
   * leaves the old file as it was (the replaced file is a new one: it does not keep the old one's
   * security descriptor, attributes or streams). In place, the target is written over and cut to
   * the source's size at the end; a failure leaves it part old, part new. Default false.
   */
  readonly inPlace?: boolean | undefined
  /** Replace an existing target. false: the copy fails with STATUS_OBJECT_NAME_COLLISION. Default true. */
  readonly replace?: boolean | undefined
  /** Let the server copy when source and target are on the same tree. Default true. */
  readonly serverSide?: boolean | undefined
  /**
   * What the first server-side request tries; a server with lower limits says so, and the copy
   * keeps to them. Default 16 chunks of 1 MiB, 16 MiB a request: the most Windows and Samba take by
   * default (they allow 256 chunks, of 1 MiB each, and 16 MiB in all).
   */
  readonly chunkLimits?: Partial<CopyChunkLimits> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CopyResult {
  readonly bytes: number
  /** The server copied the data (no byte crossed the network); false: streamed through this client. */
  readonly serverSide: boolean
  /** Server-side: the copy requests sent (refused ones included). */
  readonly requests: number
  /** Server-side: the limits the requests kept to at the end (the server's own once it told them). */
  readonly limits?: CopyChunkLimits | undefined
}


/**
 * @since 0.1.0
 * @category models
 */
export interface MoveOptions extends TransferOptions {
  /** Replace an existing target. Default true. */
  readonly replace?: boolean | undefined
}

/**
 * Copies the file `from` to `to` on one tree and returns what was done. The server copies it
 * (FSCTL_SRV_REQUEST_RESUME_KEY, then FSCTL_SRV_COPYCHUNK_WRITE requests within the server's
 * limits, several in flight); a server without server-side copy (STATUS_NOT_SUPPORTED,
 * STATUS_INVALID_DEVICE_REQUEST, STATUS_NOT_IMPLEMENTED) gets a streamed copy. The source's size is
 * taken when it is opened. A directory is refused (STATUS_FILE_IS_A_DIRECTORY).
 *
 * @since 0.1.0
 * @category operations
 */
export const copy = (tree: TreeShape, from: string, to: string, options?: CopyOptions): Effect.Effect<CopyResult, RequestError> =>
  Internal.copy(tree, from, tree, to, options)

/**
 * Copies the file `from` on `sourceTree` to `to` on `targetTree`: on the server when both are one
 * tree (see `copy`), otherwise streamed through this client (READs into WRITEs, reused buffers).
 *
 * @since 0.1.0
 * @category operations
 */
export const copyBetween: (
  sourceTree: TreeShape,
  from: string,
  targetTree: TreeShape,
  to: string,
  options?: CopyOptions
) => Effect.Effect<CopyResult, RequestError> = Internal.copy

/**
 * Moves `from` on `sourceTree` to `to` on `targetTree`. On one tree it is a rename (a file or a
 * directory); between trees a streamed copy of the file and then the removal of the source (if
 * the removal fails, both stay). `renamed` says which it was.
 *
 * @since 0.1.0
 * @category operations
 */
export const moveBetween: (
  sourceTree: TreeShape,
  from: string,
  targetTree: TreeShape,
  to: string,
  options?: MoveOptions
) => Effect.Effect<{ readonly renamed: boolean }, RequestError> = Internal.move
