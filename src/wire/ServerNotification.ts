/**
 * SMB2 SERVER_TO_CLIENT_NOTIFICATION (MS-SMB2 2.2.44, 3.1.1 only): an unsolicited message, sent
 * with MessageId 0xFFFFFFFFFFFFFFFF, whose one defined type tells the client that the server
 * closed a session (SMB2_NOTIFY_SESSION_CLOSED).
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const NotificationType = {
  SESSION_CLOSED: 0x00000000
} as const

/** @since 0.1.0 @category models */
export interface ServerNotification {
  readonly notificationType: number
  /** The notification's own structure (4 reserved bytes for SESSION_CLOSED). */
  readonly notification: Uint8Array
}

const STRUCTURE_SIZE = 8

/** @since 0.1.0 @category encoding */
export const encodeServerNotification = (notification: ServerNotification): Uint8Array => {
  const out = new Uint8Array(STRUCTURE_SIZE + notification.notification.byteLength)
  const v = viewOf(out)
  v.setUint16(0, STRUCTURE_SIZE, true)
  v.setUint32(4, notification.notificationType, true)
  out.set(notification.notification, STRUCTURE_SIZE)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeServerNotification = (message: Uint8Array): Either.Either<ServerNotification, DecodeError> =>
  decode("ServerToClientNotification", () => {
    const r = new Reader(message, "ServerToClientNotification")
    r.expectU16(HEADER_SIZE, "StructureSize", STRUCTURE_SIZE)
    return {
      notificationType: r.u32(HEADER_SIZE + 4, "NotificationType"),
      notification: r.bytesAt(HEADER_SIZE + STRUCTURE_SIZE, message.byteLength - HEADER_SIZE - STRUCTURE_SIZE, "Notification")
    }
  })
