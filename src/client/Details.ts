/**
 * Everything a server says about one file in a single QUERY_INFO (FileAllInformation, MS-FSCC
 * 2.4.2): times, sizes and attributes as Files.stat has them, and the file id, the number of
 * links, a pending delete, the size of its extended attributes and its name as the server knows
 * it. What `smb stat` prints. The open asks for FILE_READ_ATTRIBUTES only, which is all the query
 * needs: an ACL that grants that much, and no more, is enough.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { RequestError } from "../errors.js"
import { ServerError } from "../errors.js"
import { Command } from "../wire/Command.js"
import { AccessMask, FileAttributes } from "../wire/Create.js"
import { decodeFileAllInformation, FileInformationClass, InfoType } from "../wire/FileInformation.js"
import { fileTimeToDate } from "../wire/FileTime.js"
import { decodeQueryInfoResponse, encodeQueryInfoRequest } from "../wire/QueryInfo.js"
import type { FileStat } from "./File.js"
import * as File from "./File.js"
import type { TreeShape } from "./Tree.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface FileDetails extends FileStat {
  /** The file's 64-bit id on its volume (IndexNumber): the same for every name of the file. */
  readonly fileId: bigint
  /** How many names (hard links) the file has. */
  readonly links: number
  /** The file goes once its last handle is closed. */
  readonly deletePending: boolean
  /** The size of its extended attributes, in bytes. */
  readonly eaSize: number
  /** Its name as the server gives it (often the share-relative path, with a leading "\\"). */
  readonly serverName: string
}

/**
 * The names of the FileAttributes bits set in `attributes` (an unknown bit as its hex value).
 *
 * @since 0.1.0
 */
export const attributeNames = (attributes: number): Array<string> => {
  const names = Object.entries(FileAttributes).filter(([, bit]) => (attributes & bit) !== 0).map(([name]) => name)
  const unknown = Object.values(FileAttributes).reduce((rest, bit) => rest & ~bit, attributes) >>> 0
  return unknown === 0 ? names : [...names, `0x${unknown.toString(16).padStart(8, "0")}`]
}

// The fixed part is 100 bytes; the rest is the name, up to 32 767 UTF-16 characters.
const OUTPUT_BUFFER = 64 * 1024

const fromEither = <A, E>(value: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(value.left)

/**
 * What the server knows of `path`: a file or a directory.
 *
 * @since 0.1.0
 * @category operations
 */
export const details = (tree: TreeShape, path: string): Effect.Effect<FileDetails, RequestError> =>
  Effect.scoped(Effect.gen(function*() {
    const handle = yield* File.open(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES })
    const outputBufferLength = Math.min(tree.session.connection.negotiated.maxTransactSize, OUTPUT_BUFFER)
    const reply = yield* tree.session.connection.handler.sendRecv(
      {
        command: Command.QUERY_INFO,
        sessionId: tree.session.id,
        treeId: tree.id,
        body: encodeQueryInfoRequest({
          infoType: InfoType.FILE,
          fileInfoClass: FileInformationClass.FileAllInformation,
          outputBufferLength,
          additionalInformation: 0,
          flags: 0,
          fileId: handle.fileId,
          input: new Uint8Array(0)
        }),
        responseSize: outputBufferLength
      },
      { command: Command.QUERY_INFO, allowAsync: true }
    ).pipe(Effect.mapError((error) => error._tag === "ServerError" ? new ServerError({ ...error, share: tree.share, path: handle.path }) : error))
    const { output } = yield* fromEither(decodeQueryInfoResponse(reply.message))
    const all = yield* fromEither(decodeFileAllInformation(output))
    return {
      size: Number(all.endOfFile),
      allocationSize: Number(all.allocationSize),
      creationTime: fileTimeToDate(all.creationTime),
      lastAccessTime: fileTimeToDate(all.lastAccessTime),
      lastWriteTime: fileTimeToDate(all.lastWriteTime),
      changeTime: fileTimeToDate(all.changeTime),
      attributes: all.fileAttributes,
      isDirectory: all.directory || (all.fileAttributes & FileAttributes.DIRECTORY) !== 0,
      fileId: all.indexNumber,
      links: all.numberOfLinks,
      deletePending: all.deletePending,
      eaSize: all.eaSize,
      serverName: all.fileName
    }
  })).pipe(Effect.withSpan("smb.files.details", { attributes: { share: tree.share, path } }))
