/**
 * Durable handles with leases (MS-SMB2 3.2.4.3.5, 3.2.4.3.8, 3.2.4.4, 3.2.5.19.2), as Windows
 * opens files for transfers: the CREATE asks for a durable v2 handle (DH2Q, with a CreateGuid)
 * and a lease (RqLs v2: read and handle caching, and write caching when the handle writes), with
 * one lease key per file per connection (two keys for one file make the second open wait for a
 * break acknowledgement that the first would have to send to itself).
 *
 * While the handle is open, its lease breaks are acknowledged at once, in a fiber of their own
 * (never in the receive loop): the client caches nothing, so there is nothing to flush first.
 * Breaks are counted per connection. On a reconnecting connection the handle registers a
 * recovery: CREATE with DH2C (the FileId the server knew last, the CreateGuid, the same lease
 * key); a server's refusal loses the handle (its requests then fail with HandleLost), a lost
 * connection fails the try. Samba also refuses when the file's stat moved after the disconnect,
 * which I/O of the client's own still running in smbd causes: an open whose file the client can
 * tell nobody else wrote (an upload's temporary file; a read-only open whose file has the same
 * size and times) is opened again by name instead.
 *
 * Durable v2 needs 3.x. On 2.1 the same is done with durable v1 (DHnQ, reconnected with DHnC and
 * the FileId, MS-SMB2 2.2.13.2.3, 2.2.13.2.4) and a v1 lease. On 2.0.2, which has no leases,
 * durable v1 goes with a batch oplock (MS-SMB2 3.3.5.9.6 grants DHnQ only with one), whose breaks
 * are acknowledged as leases' are (at the level the server breaks to; matched on the FileId's
 * persistent half, which a reconnect keeps). A broken batch oplock leaves the handle not durable
 * (a cut then loses it, typed).
 *
 * @since 0.1.0
 * @internal
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import type { ConnectionShape } from "../../connection/Connection.js"
import type { RequestError } from "../../errors.js"
import { encodeCloseRequest } from "../../wire/Close.js"
import { Command } from "../../wire/Command.js"
import { CreateDisposition, decodeCreateResponse, encodeCreateRequest, ImpersonationLevel, OplockLevel } from "../../wire/Create.js"
import type { CreateResponse } from "../../wire/Create.js"
import {
  CreateContextName,
  encodeDurableHandleReconnect,
  encodeDurableHandleReconnectV2,
  encodeDurableHandleRequest,
  encodeDurableHandleRequestV2,
  encodeLease,
  findCreateContext,
  LeaseState
} from "../../wire/CreateContext.js"
import { Dialect } from "../../wire/Negotiate.js"
import { decodeOplockBreak, encodeLeaseBreakAcknowledgment, encodeOplockBreakAcknowledgment, LeaseBreakFlags } from "../../wire/OplockBreak.js"
import type { OplockBreakServerMessage } from "../../wire/OplockBreak.js"
import { ServerError } from "../../errors.js"
import { Status } from "../../wire/Status.js"
import type { TreeShape } from "../Tree.js"
import type { CreateParameters } from "./requests.js"

/**
 * Lease breaks seen and acknowledged on a connection.
 *
 * @since 0.1.0
 * @internal
 */
export interface LeaseStats {
  breaks: number
  acknowledged: number
}

const leaseKeys = new WeakMap<ConnectionShape, Map<string, Uint8Array>>()
const leaseStats = new WeakMap<ConnectionShape, LeaseStats>()

/** @since 0.1.0 @internal */
export const statsOf = (connection: ConnectionShape): LeaseStats => {
  let stats = leaseStats.get(connection)
  if (stats === undefined) leaseStats.set(connection, stats = { breaks: 0, acknowledged: 0 })
  return stats
}

const leaseKeyFor = (tree: TreeShape, name: string): Uint8Array => {
  const connection = tree.session.connection
  let keys = leaseKeys.get(connection)
  if (keys === undefined) leaseKeys.set(connection, keys = new Map())
  // Names are case-insensitive on the servers this client meets.
  const id = `${tree.share}\\${name}`.toLowerCase()
  let key = keys.get(id)
  if (key === undefined) keys.set(id, key = new Uint8Array(randomBytes(16)))
  return key
}

const WRITES = 0x2 | 0x4 | 0x40 | 0x100 // FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_WRITE_EA, FILE_WRITE_ATTRIBUTES

const DELETE = 0x10000

/**
 * What a read-only open can tell of its file: nobody wrote it or changed its size. Not the creation
 * time: Samba may report another one for a file created outside it, from one open to the next.
 */
const unchanged = (before: CreateResponse, after: CreateResponse): boolean =>
  before.endOfFile === after.endOfFile && before.lastWriteTime === after.lastWriteTime && before.changeTime === after.changeTime

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

/** Durable v2 with a v2 lease on 3.x, durable v1 with a v1 lease on 2.1, with a batch oplock on 2.0.2. */
type Version = "v2" | "v1" | "v1-batch"

const versionOf = (tree: TreeShape): Version => {
  const dialect = tree.session.connection.negotiated.dialectRevision
  return dialect >= Dialect.SMB_3_0 ? "v2" : dialect === Dialect.SMB_2_1 ? "v1" : "v1-batch"
}

const leaseContext = (version: Version, leaseKey: Uint8Array, leaseState: number) => ({
  name: CreateContextName.REQUEST_LEASE,
  data: encodeLease(
    version === "v1"
      ? { _tag: "LeaseV1", leaseKey, leaseState, leaseFlags: 0, leaseDuration: 0n }
      : { _tag: "LeaseV2", leaseKey, leaseState, leaseFlags: 0, leaseDuration: 0n, parentLeaseKey: new Uint8Array(16), epoch: 0 }
  )
})

/** The context asking for a durable handle (a new CreateGuid for v2) and the name it is answered under. */
const requestContext = (version: Version, createGuid: Uint8Array) =>
  version !== "v2"
    ? { name: CreateContextName.DURABLE_HANDLE_REQUEST, data: encodeDurableHandleRequest() }
    : { name: CreateContextName.DURABLE_HANDLE_REQUEST_V2, data: encodeDurableHandleRequestV2({ timeout: 0, flags: 0, createGuid }) }

/** Whether `tree` can have durable handles (3.x: v2, 2.x: v1): every SMB2 dialect. @since 0.1.0 @internal */
export const supported = (tree: TreeShape): boolean => tree.session.connection.negotiated.dialectRevision >= Dialect.SMB_2_0_2

/** The contexts that go with a durable request or reconnect: the lease, unless a batch oplock. */
const withLease = (version: Version, leaseKey: Uint8Array, leaseState: number) =>
(first: { readonly name: string; readonly data: Uint8Array }) =>
  version === "v1-batch" ? [first] : [first, leaseContext(version, leaseKey, leaseState)]

const oplockLevelOf = (version: Version) => version === "v1-batch" ? OplockLevel.BATCH : OplockLevel.LEASE

type Notifications = Stream.Stream<import("../../connection/Message.js").IncomingMessage>

/**
 * Acknowledges, for as long as the Scope, on `tree`, the breaks that `acknowledgment` recognises
 * (it returns the acknowledgement's body, or undefined for a break of someone else's).
 */
const acknowledgeBreaks = (tree: TreeShape, notifications: Notifications, acknowledgment: (notification: OplockBreakServerMessage) => Uint8Array | undefined) => {
  const { handler } = tree.session.connection
  const stats = statsOf(tree.session.connection)
  return notifications.pipe(
    Stream.filter((m) => m.header.command === Command.OPLOCK_BREAK),
    Stream.runForEach((m) => {
      const decoded = decodeOplockBreak(m.message)
      if (Either.isLeft(decoded)) return Effect.void
      const body = acknowledgment(decoded.right)
      if (body === undefined) return Effect.void
      stats.breaks++
      if (body.length === 0) return Effect.void
      return handler.sendRecv({ command: Command.OPLOCK_BREAK, sessionId: tree.session.id, treeId: tree.id, body }, { command: Command.OPLOCK_BREAK }).pipe(
        Effect.tap(() => Effect.sync(() => stats.acknowledged++)),
        Effect.catchAll((error) => Effect.logDebug("break acknowledgement failed", error))
      )
    }),
    // Opened inside acquireRelease's uninterruptible acquire: the fiber must not inherit that.
    Effect.interruptible,
    Effect.forkScoped
  )
}

const NO_ACK = new Uint8Array(0)

/** A lease's breaks: acknowledged at the state the server offers, when it asks for it. */
const leaseAcknowledgment = (leaseKey: Uint8Array) => (notification: OplockBreakServerMessage): Uint8Array | undefined => {
  if (notification._tag !== "LeaseBreakNotification" || !sameBytes(notification.leaseKey, leaseKey)) return undefined
  if ((notification.flags & LeaseBreakFlags.ACK_REQUIRED) === 0) return NO_ACK
  return encodeLeaseBreakAcknowledgment({ _tag: "LeaseBreakAcknowledgment", flags: 0, leaseKey, leaseState: notification.newLeaseState, leaseDuration: 0n })
}

/**
 * An oplock's breaks, matched on the persistent half of the FileId (a reconnect keeps it, the
 * volatile half changes), acknowledged at the level broken to with the FileId the caller knows
 * (the reconnecting handler re-addresses it); a level II oplock's break is not acknowledged
 * (MS-SMB2 3.2.5.19.1).
 */
const oplockAcknowledgment = (fileId: Uint8Array, granted: number) => {
  let held = granted
  return (notification: OplockBreakServerMessage): Uint8Array | undefined => {
    if (notification._tag !== "OplockBreakNotification" || !sameBytes(notification.fileId.subarray(0, 8), fileId.subarray(0, 8))) return undefined
    if (held === OplockLevel.II) return NO_ACK
    held = notification.oplockLevel
    return encodeOplockBreakAcknowledgment({ _tag: "OplockBreakAcknowledgment", oplockLevel: notification.oplockLevel, fileId })
  }
}

/**
 * CREATE asking for a durable v2 handle with a lease; for as long as the Scope, its lease breaks
 * are acknowledged and (reconnecting) the handle is reopened after a reconnect. `owned`: the file
 * is the client's own (a temporary file no one else knows of), so a refused DH2C opens it again
 * by name.
 *
 * @since 0.1.0
 * @internal
 */
export const create = (
  tree: TreeShape,
  parameters: CreateParameters,
  owned = false
): Effect.Effect<CreateResponse, RequestError, Scope.Scope> =>
  Effect.gen(function*() {
    const connection = tree.session.connection
    const version = versionOf(tree)
    const leaseKey = leaseKeyFor(tree, parameters.name)
    const leaseState = LeaseState.READ_CACHING | LeaseState.HANDLE_CACHING |
      ((parameters.desiredAccess & WRITES) !== 0 ? LeaseState.WRITE_CACHING : 0)
    const createGuid = new Uint8Array(randomBytes(16))
    // Subscribed before the CREATE, so that no break of the new lease is missed.
    const notifications = yield* connection.handler.subscribe
    const body = encodeCreateRequest({
      ...parameters,
      requestedOplockLevel: oplockLevelOf(version),
      impersonationLevel: ImpersonationLevel.IMPERSONATION,
      contexts: withLease(version, leaseKey, leaseState)(requestContext(version, createGuid))
    })
    const reply = yield* connection.handler.sendRecv(
      { command: Command.CREATE, sessionId: tree.session.id, treeId: tree.id, body },
      { command: Command.CREATE, allowAsync: true }
    )
    const created = decodeCreateResponse(reply.message)
    if (Either.isLeft(created)) return yield* created.left
    const response = created.right
    if (response.oplockLevel === OplockLevel.LEASE) yield* acknowledgeBreaks(tree, notifications, leaseAcknowledgment(leaseKey))
    else if (response.oplockLevel !== OplockLevel.NONE) yield* acknowledgeBreaks(tree, notifications, oplockAcknowledgment(response.fileId, response.oplockLevel))
    const granted = (reply: CreateResponse) => findCreateContext(reply.contexts, requestContext(version, createGuid).name) !== undefined
    const durable = granted(response)
    const reopen = owned ? "owned" : (parameters.desiredAccess & (WRITES | DELETE)) === 0 ? "unchanged" : "never"
    if (durable && connection.reconnect !== undefined) {
      const original = response.fileId
      // The CreateGuid of the open the server knows now (a reopen by name makes a new one).
      let guid = createGuid
      const contexts = withLease(version, leaseKey, leaseState)
      yield* connection.reconnect.register("handle", (target) => {
        const send = (contexts: ReadonlyArray<{ readonly name: string; readonly data: Uint8Array }>) =>
          target.handler.sendRecv(
            {
              command: Command.CREATE,
              sessionId: tree.session.id,
              treeId: tree.id,
              body: encodeCreateRequest({
                ...parameters,
                createDisposition: CreateDisposition.OPEN,
                requestedOplockLevel: oplockLevelOf(version),
                impersonationLevel: ImpersonationLevel.IMPERSONATION,
                contexts
              })
            },
            { command: Command.CREATE, allowAsync: true }
          ).pipe(Effect.flatMap((message) => {
            const reopened = decodeCreateResponse(message.message)
            return Either.isLeft(reopened) ? Effect.fail(reopened.left) : Effect.succeed(reopened.right)
          }))
        const fileId = target.currentFileId(original)
        const reconnect = send(contexts(
          version !== "v2"
            ? { name: CreateContextName.DURABLE_HANDLE_RECONNECT, data: encodeDurableHandleReconnect(fileId) }
            : { name: CreateContextName.DURABLE_HANDLE_RECONNECT_V2, data: encodeDurableHandleReconnectV2({ fileId, createGuid: guid, flags: 0 }) }
        ))
        const byName = Effect.suspend(() => {
          const fresh = new Uint8Array(randomBytes(16))
          return Effect.map(
            send(contexts(requestContext(version, fresh))),
            (reopened) => {
              if (granted(reopened)) guid = fresh
              return reopened
            }
          )
        })
        const refused = (error: unknown) => error instanceof ServerError && error.status === Status.OBJECT_NAME_NOT_FOUND
        const lose = (cause: unknown, detail?: string) => Effect.sync(() => target.loseFile(original, cause, detail))
        // Samba refuses a DH2C (OBJECT_NAME_NOT_FOUND) when the file's stat changed after it took
        // its cookie at the disconnect, as a WRITE still running in smbd then does (the size), or
        // a READ (the access time, on a relatime file system): an open the client can tell was
        // not written by anyone else is opened again by name, durable anew, and what it had in
        // flight is sent again. That is an `owned` file, or a read-only open whose file has the
        // same size and write and change times as when it was opened.
        const again = (error: unknown) => {
          if (!refused(error) || reopen === "never") return lose(error)
          return Effect.flatMap(byName, (reopened) =>
            reopen === "owned" || unchanged(response, reopened)
              ? Effect.sync(() => target.setFileId(original, reopened.fileId))
              : Effect.zipRight(
                Effect.ignore(target.handler.sendRecv(
                  { command: Command.CLOSE, sessionId: tree.session.id, treeId: tree.id, body: encodeCloseRequest({ flags: 0, fileId: reopened.fileId }) },
                  { command: Command.CLOSE }
                )),
                lose(error, "the file changed while the connection was down")
              ))
        }
        return reconnect.pipe(
          Effect.matchEffect({
            onSuccess: (reopened) => Effect.sync(() => target.setFileId(original, reopened.fileId)),
            onFailure: (error) => error instanceof ServerError ? again(error) : Effect.fail(error)
          }),
          // The server refused the open by name too: this handle is gone. Anything else: this try failed.
          Effect.catchIf((error) => error instanceof ServerError, lose)
        )
      })
    }
    return response
  })
