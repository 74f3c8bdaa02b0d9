/**
 * File: an open file or directory on a tree (MS-SMB2 3.2.4.3 and after), and everything done
 * through its handle: read and write with large MTU, streaming both ways, stat, truncate,
 * rename, delete, directory listing and change notification.
 *
 * Throughput is the point of the read and write paths. A transfer is cut into chunks of the
 * negotiated maximum read or write size (bounded by the credit backlog: one credit per 64 KiB),
 * several chunks are in flight at once (the credit window may make some wait; the single worker,
 * which serves one request at a time, gets one chunk at a time), READ data reaches the caller as a
 * view into the received frame, and WRITE data goes out as [head, data] parts, never joined.
 *
 * Every request may go async (STATUS_PENDING): Samba answers a slow READ or WRITE, or a CREATE
 * that breaks another client's oplock, with an interim response. Interrupting such a wait sends
 * CANCEL (the worker does it). A handle is closed when its Scope closes, or earlier by `close`.
 *
 * This module holds the models and the entry points; the handle itself is built in
 * internal/handle.ts and the transfer plan computed in internal/transferPlan.ts.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import type { RequestError } from "../errors.js"
import * as Handle from "./internal/handle.js"
import type { TreeShape } from "./Tree.js"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * What the handle may do. "read": read data, attributes and EAs; "write": write and append data,
 * attributes and EAs (and read attributes); "readWrite": both; a number: a raw access mask
 * (see `AccessMask` in wire/Create).
 *
 * @since 0.1.0
 * @category models
 */
export type Access = "read" | "write" | "readWrite" | number

/**
 * What CREATE does depending on whether the file exists (MS-SMB2 2.2.13):
 *
 * | disposition | exists | does not exist |
 * | --- | --- | --- |
 * | "open" | open | fail (STATUS_OBJECT_NAME_NOT_FOUND) |
 * | "create" | fail (STATUS_OBJECT_NAME_COLLISION) | create |
 * | "openIf" | open | create |
 * | "overwrite" | truncate | fail |
 * | "overwriteIf" | truncate | create |
 * | "supersede" | replace | create |
 *
 * @since 0.1.0
 * @category models
 */
export type Disposition = "open" | "create" | "openIf" | "overwrite" | "overwriteIf" | "supersede"

/**
 * What other opens of the same file may do meanwhile. Default "all" (read, write, delete).
 *
 * @since 0.1.0
 * @category models
 */
export type ShareMode = "none" | "read" | "readWrite" | "all" | number

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** Default "read". */
  readonly access?: Access
  /** Default "open". */
  readonly disposition?: Disposition
  /** true: it must be a directory (created as one); false: it must not be; default: either. */
  readonly directory?: boolean
  /** Default "all". */
  readonly share?: ShareMode
  /** FileAttributes for a file this open creates. Default none (the server's NORMAL). */
  readonly attributes?: number
  /** Delete the file when the last handle closes (adds DELETE to the access). */
  readonly deleteOnClose?: boolean
  /** More CreateOptions bits, OR-ed into those the other options set. */
  readonly createOptions?: number
  /**
   * Ask for a durable handle with a lease (3.x), as Windows does for files it transfers: the
   * lease's breaks are acknowledged at once, and a reconnecting connection reopens the handle
   * after a reconnect (see Reconnect.ts). Default false; Files' transfers set it. "owned": a
   * file no one else writes (an upload's temporary file), opened again by name when the server
   * refuses to reconnect the handle (Samba does when a WRITE still running at the disconnect
   * changed the file after it took its note of the file's state).
   */
  readonly durable?: boolean | "owned"
}

/**
 * What a file is, as stat, CREATE and directory listings tell it.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileStat {
  /** End of file, in bytes. */
  readonly size: number
  readonly allocationSize: number
  readonly creationTime: Date
  readonly lastAccessTime: Date
  readonly lastWriteTime: Date
  readonly changeTime: Date
  /** FileAttributes bits (see wire/Create). */
  readonly attributes: number
  readonly isDirectory: boolean
}

/**
 * One entry of a directory listing ("." and ".." are never listed).
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryEntry extends FileStat {
  /** The name inside the listed directory. */
  readonly name: string
  /** The share-relative path, "/"-separated: the listed directory's path joined with `name`. */
  readonly path: string
  /** The server's file id (FileIdBothDirectoryInformation), 0n when it has none. */
  readonly fileId: bigint
}

/**
 * What CREATE did.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateActionName = "superseded" | "opened" | "created" | "overwritten"

/**
 * What a change notification says happened to `name` (FILE_ACTION_*).
 *
 * @since 0.1.0
 * @category models
 */
export type ChangeAction =
  | "added"
  | "removed"
  | "modified"
  | "renamedFrom"
  | "renamedTo"
  | "streamAdded"
  | "streamRemoved"
  | "streamModified"
  | "other"

/**
 * One item of a watch stream: a change, or the server's "too many changes to list, rescan the
 * directory" (STATUS_NOTIFY_ENUM_DIR).
 *
 * @since 0.1.0
 * @category models
 */
export type Change =
  | {
    readonly _tag: "Changed"
    readonly action: ChangeAction
    /** The FILE_ACTION_* value itself (useful when `action` is "other"). */
    readonly code: number
    /** Relative to the watched directory, "/"-separated. */
    readonly name: string
  }
  | { readonly _tag: "Overflow" }

/**
 * How a transfer is cut and pipelined.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransferOptions {
  /**
   * Bytes per READ or WRITE. Upper bound: the negotiated maximum read or write size, at most
   * 8 MiB and at most what the credit backlog covers (64 KiB per credit). Default: that bound,
   * on an encrypted tree at most 4 MiB.
   */
  readonly chunkSize?: number
  /**
   * Chunks in flight at once. Default: enough for 32 MiB in flight (16 MiB on an encrypted tree),
   * between 2 and 64.
   */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReadOptions extends TransferOptions {
  /** Where to start. Default 0. */
  readonly offset?: number
  /** How much to read at most. Default: to the end of file as the handle knows it (`size`). */
  readonly length?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WriteOptions extends TransferOptions {
  /** Where the first byte goes. Default 0. */
  readonly offset?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WatchOptions {
  /** Watch the whole subtree. Default false. */
  readonly recursive?: boolean
  /** CompletionFilter bits (see wire/ChangeNotify). Default: names, attributes, size, last write. */
  readonly filter?: number
  /** Output buffer per notification. Default 64 KiB. */
  readonly bufferSize?: number
}

/**
 * An open file or directory. Every operation fails with InvalidState once the handle is closed.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileHandle {
  readonly tree: TreeShape
  /** The share-relative path it was opened with, "/"-separated ("" for the root). */
  readonly path: string
  /** 16 bytes: persistent then volatile. */
  readonly fileId: Uint8Array
  readonly isDirectory: boolean
  readonly action: CreateActionName
  /** The file as the CREATE response described it. */
  readonly info: FileStat
  /** End of file as this handle knows it: at open, then moved by its own writes and truncates. */
  readonly size: number
  /**
   * Up to `length` bytes at `offset`; fewer at the end of file (none past it). At most one chunk
   * is a zero-copy view into the received frame; more are read in parallel into one buffer.
   */
  readonly read: (offset: number, length: number, options?: TransferOptions) => Effect.Effect<Uint8Array, RequestError>
  /** The whole range (default: to `size`) as a stream of chunks, several READs in flight. */
  readonly readStream: (options?: ReadOptions) => Stream.Stream<Uint8Array, RequestError>
  /**
   * Reads the range (default: to `size`) with several READs in flight and hands each chunk to
   * `consume` with its file position, in whatever order the chunks arrive. The chunk is lent:
   * once the effect `consume` returned succeeds, its memory takes a later READ, so copy what must
   * outlive it. Returns the bytes read (fewer than asked at end of file). The fastest way to move
   * a file elsewhere: no buffer is allocated per chunk (`Files.download` is built on it).
   */
  readonly readEach: <E, R>(
    consume: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options?: ReadOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /** Writes all of `data` at `offset` (default 0), in parallel chunks; returns the bytes written. */
  readonly write: (data: Uint8Array, options?: WriteOptions) => Effect.Effect<number, RequestError>
  /**
   * Writes `length` bytes from `offset` (default 0) with several WRITEs in flight, asking `fill`
   * for each chunk's bytes: it gets a buffer of the chunk's length and the chunk's file position
   * and must fill all of it (it holds earlier bytes, not zeros). The mirror of `readEach`:
   * buffers are reused once their WRITE has been answered, so a large upload allocates next to
   * nothing per chunk (`Files.upload` is built on it). Returns the bytes written.
   */
  readonly writeEach: <E, R>(
    length: number,
    fill: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options?: WriteOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /**
   * A Sink that writes what it receives, from `offset` on, and ends with the bytes written. It
   * keeps a reference to each received buffer until that buffer is written: do not reuse them.
   */
  readonly sink: (options?: WriteOptions) => Sink.Sink<number, Uint8Array, never, RequestError>
  /** Runs `stream` into `sink(options)`. */
  readonly writeStream: <E, R>(
    stream: Stream.Stream<Uint8Array, E, R>,
    options?: WriteOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /** FLUSH: cached data to stable storage. */
  readonly flush: Effect.Effect<void, RequestError>
  /**
   * A byte-range lock (LOCK) held for as long as the Scope: released (UNLOCK) when it closes.
   * Exclusive by default; `shared: true` lets other shared locks in. A conflict fails at once
   * with ServerError STATUS_LOCK_NOT_GRANTED, or with `wait: true` waits until the range is free
   * (interrupting the wait cancels it). While held, other opens' conflicting reads and writes
   * fail with STATUS_FILE_LOCK_CONFLICT.
   */
  readonly lock: (
    offset: number,
    length: number,
    options?: LockOptions
  ) => Effect.Effect<void, RequestError, Scope.Scope>
  /** QUERY_INFO (FileNetworkOpenInformation). */
  readonly stat: Effect.Effect<FileStat, RequestError>
  /** Sets the end of file (SET_INFO FileEndOfFileInformation). Needs write access. */
  readonly truncate: (size: number) => Effect.Effect<void, RequestError>
  /** Renames or moves within the share (FileRenameInformation). Needs DELETE access. */
  readonly rename: (to: string, options?: { readonly replace?: boolean }) => Effect.Effect<void, RequestError>
  /** Marks for deletion when the last handle closes (FileDispositionInformation). Needs DELETE. */
  readonly delete: Effect.Effect<void, RequestError>
  /**
   * The directory's entries (QUERY_DIRECTORY, FileIdBothDirectoryInformation, repeated until
   * STATUS_NO_MORE_FILES), from the start each time the stream runs. `pattern` defaults to "*".
   */
  readonly list: (pattern?: string) => Stream.Stream<DirectoryEntry, RequestError>
  /**
   * Changes in the directory (CHANGE_NOTIFY, re-armed after each completion). Ending the stream
   * early cancels the pending request (SMB2 CANCEL) and leaves the handle and connection usable.
   * The stream ends by itself when the server ends the watch (STATUS_NOTIFY_CLEANUP: the
   * handle was closed).
   */
  readonly watch: (options?: WatchOptions) => Stream.Stream<Change, RequestError>
  /** Closes the handle; idempotent. Also done when the Scope closes. */
  readonly close: Effect.Effect<void, RequestError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** A shared (read) lock instead of an exclusive one. Default false. */
  readonly shared?: boolean | undefined
  /** Wait for a conflicting lock to go instead of failing at once. Default false. */
  readonly wait?: boolean | undefined
}

/**
 * The access mask an `Access` stands for.
 *
 * @since 0.1.0
 */
export const accessMask: (access: Access) => number = Handle.accessMask

/**
 * The chunk size and depth of a transfer on `tree`, from the options and what was negotiated;
 * never deeper than the worker's `maxInFlight` (one request at a time on the single worker).
 *
 * @since 0.1.0
 */
export { transferPlan } from "./internal/transferPlan.js"

/**
 * Opens (or creates) `path` on `tree`; the handle closes when the Scope closes, or earlier with
 * `close`. `path` is share-relative, with "/" or "\\" separators ("" is the share root).
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: (tree: TreeShape, path: string, options?: OpenOptions) => Effect.Effect<FileHandle, RequestError, Scope.Scope> =
  Handle.open
