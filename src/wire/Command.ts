/**
 * SMB2 command codes (MS-SMB2 2.2.1) and their names.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category constants */
export const Command = {
  NEGOTIATE: 0x0000,
  SESSION_SETUP: 0x0001,
  LOGOFF: 0x0002,
  TREE_CONNECT: 0x0003,
  TREE_DISCONNECT: 0x0004,
  CREATE: 0x0005,
  CLOSE: 0x0006,
  FLUSH: 0x0007,
  READ: 0x0008,
  WRITE: 0x0009,
  LOCK: 0x000a,
  IOCTL: 0x000b,
  CANCEL: 0x000c,
  ECHO: 0x000d,
  QUERY_DIRECTORY: 0x000e,
  CHANGE_NOTIFY: 0x000f,
  QUERY_INFO: 0x0010,
  SET_INFO: 0x0011,
  OPLOCK_BREAK: 0x0012,
  SERVER_TO_CLIENT_NOTIFICATION: 0x0013
} as const

/** @since 0.1.0 @category models */
export type Command = (typeof Command)[keyof typeof Command]

const names: Record<number, string> = Object.fromEntries(Object.entries(Command).map(([name, code]) => [code, name]))

/**
 * The command's name, or its number in hex when unknown.
 *
 * @since 0.1.0
 */
export const commandName = (code: number): string => names[code] ?? `COMMAND_0x${code.toString(16).padStart(4, "0")}`
