/**
 * A directory's listing, its first round compounded with the CREATE that opens the directory
 * (CREATE + QUERY_DIRECTORY, related, as the Windows client sends them): one round trip fewer
 * per directory listed, which a tree walk pays for every folder. The next rounds use the open
 * directory's FileId, and it is closed when the stream ends. Where chains are not sent (a DFS
 * tree, a server that cannot take them) the directory is opened and listed the usual way.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { checkResponse } from "../../connection/MessageHandler.js"
import type { RequestError } from "../../errors.js"
import { Command } from "../../wire/Command.js"
import { AccessMask } from "../../wire/Create.js"
import { Status } from "../../wire/Status.js"
import type { DirectoryEntry, OpenOptions } from "../File.js"
import * as File from "../File.js"
import type { TreeShape } from "../Tree.js"
import * as Compound from "./compound.js"
import { atPath, listEntries } from "./handle.js"
import { fromWirePath } from "./path.js"
import { queryDirectoryEntries, queryDirectoryRequest } from "./requests.js"

const DIRECTORY: OpenOptions = { access: AccessMask.FILE_LIST_DIRECTORY, directory: true }

/** What a listing's rounds answer with: entries, or no more of them. */
const ANSWERS = [Status.SUCCESS, Status.NO_MORE_FILES]

/**
 * The first round's response: one credit's worth (some 500 entries), so that the chain costs two
 * credits, as the other small chains cost a few, and fits whatever window the server has granted
 * (a chain takes all its credits at once). A larger folder goes on in rounds of 1 MiB.
 */
const FIRST_ROUND_BYTES = 64 * 1024

/**
 * The first round's step. NO_SUCH_FILE (a pattern that matches nothing) is taken too, so that the
 * chain does not fail with the directory open: it is then failed with as a lone round would be.
 */
const firstRound = (tree: TreeShape, pattern: string): Compound.Step => ({
  request: (fileId) => queryDirectoryRequest(tree, fileId, pattern, true, FIRST_ROUND_BYTES),
  status: [...ANSWERS, Status.NO_SUCH_FILE]
})

/**
 * The entries of the directory at `path` that match `pattern` ("." and ".." left out), in chunks
 * of at most 1,024.
 *
 * @since 0.1.0
 * @internal
 */
export const list = (tree: TreeShape, path: string, pattern = "*"): Stream.Stream<DirectoryEntry, RequestError> =>
  Stream.unwrapScoped(Effect.map(
    Compound.openWith(tree, path, DIRECTORY, firstRound(tree, pattern)),
    Option.match({
      onNone: () => Stream.unwrapScoped(Effect.map(File.open(tree, path, DIRECTORY), (handle) => handle.list(pattern))),
      onSome: ({ created, reply }) => {
        const userPath = fromWirePath(path)
        const first = Effect.flatMap(
          checkResponse(reply, { messageId: reply.header.messageId, command: Command.QUERY_DIRECTORY, status: ANSWERS }),
          queryDirectoryEntries
        )
        return Stream.unwrap(Effect.map(first, (entries) => listEntries(tree, created.fileId, userPath, pattern, { entries }))).pipe(
          Stream.mapError(atPath(tree.share, userPath)),
          Stream.withSpan("smb.file.list", { attributes: { path: userPath, share: tree.share, pattern } })
        )
      }
    })
  ))
