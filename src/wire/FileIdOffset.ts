/**
 * Where a request body carries its FileId (MS-SMB2 2.2.15 to 2.2.39): a fixed offset per command,
 * so a request encoded for one open can be re-addressed to the same file reopened under a new
 * FileId (a durable handle after a reconnect) by replacing those 16 bytes.
 *
 * @since 0.1.0
 */
import { Command } from "./Command.js"

const OFFSETS: ReadonlyMap<number, number> = new Map([
  [Command.CLOSE, 8],
  [Command.FLUSH, 8],
  [Command.READ, 16],
  [Command.WRITE, 16],
  [Command.LOCK, 8],
  [Command.IOCTL, 8],
  [Command.QUERY_DIRECTORY, 8],
  [Command.CHANGE_NOTIFY, 8],
  [Command.QUERY_INFO, 24],
  [Command.SET_INFO, 16]
])

/** The oplock break acknowledgment's StructureSize (a lease break acknowledgment has no FileId). */
const OPLOCK_ACK_SIZE = 24

/**
 * The offset of the FileId in the body of a request with `command` whose body starts with
 * `head` (the first part of the body), or undefined when it has none or `head` is too short.
 *
 * @since 0.1.0
 */
export const requestFileIdOffset = (command: number, head: Uint8Array): number | undefined => {
  const offset = command === Command.OPLOCK_BREAK
    ? (head.length >= 2 && (head[0]! | (head[1]! << 8)) === OPLOCK_ACK_SIZE ? 8 : undefined)
    : OFFSETS.get(command)
  return offset !== undefined && head.length >= offset + 16 ? offset : undefined
}

/**
 * The FileId of a CREATE response message (header included): 16 bytes at 64 + 64, or undefined
 * when the message is too short.
 *
 * @since 0.1.0
 */
export const createResponseFileId = (message: Uint8Array): Uint8Array | undefined =>
  message.length >= 144 ? message.subarray(128, 144) : undefined
