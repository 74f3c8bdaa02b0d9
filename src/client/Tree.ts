/**
 * Tree: a connected share (MS-SMB2 3.2.4.2.4, 3.2.5.5). A share flagged ENCRYPT_DATA makes the
 * transformer encrypt every request on it and reject plaintext responses.
 *
 * For 3.0 and 3.0.2 the first tree connect of a connection is followed by VALIDATE_NEGOTIATE_INFO
 * (3.2.5.14.12): a signed IOCTL that lets the client detect a NEGOTIATE tampered with in transit;
 * a mismatch fails with NegotiationFailed("Tampered"). 3.1.1 relies on the preauth hash instead,
 * and 2.x has neither.
 *
 * A share in a DFS namespace (ShareFlags DFS or DFS_ROOT, or the DFS capability) is marked
 * `isDfs`: its CREATE requests carry SMB2_FLAGS_DFS_OPERATIONS and the full "server\share\path"
 * name (MS-SMB2 3.2.4.3). Links are followed only by a tree that has a `referrals` follower (see
 * Dfs.ts); without one, opening a path below a link fails with STATUS_PATH_NOT_COVERED.
 *
 * Closing the Scope disconnects.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { RequestError } from "../errors.js"
import { NegotiationFailed } from "../errors.js"
import { Command } from "../wire/Command.js"
import {
  decodeIoctlResponse,
  decodeValidateNegotiateInfoResponse,
  encodeIoctlRequest,
  makeValidateNegotiateInfoIoctl
} from "../wire/Ioctl.js"
import { Dialect } from "../wire/Negotiate.js"
import { decodeTreeConnectResponse, encodeTreeConnectRequest, ShareCapabilities, ShareFlags } from "../wire/TreeConnect.js"
import { encodeTreeDisconnectRequest } from "../wire/TreeDisconnect.js"
import type { ConnectionShape } from "../connection/Connection.js"
import type { SessionShape } from "./Session.js"
import { Session } from "./Session.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface TreeShape {
  readonly id: number
  readonly share: string
  readonly session: SessionShape
  readonly shareType: number
  readonly shareFlags: number
  readonly capabilities: number
  readonly maximalAccess: number
  /** Every message on this tree is encrypted (the share requires it, or the session does). */
  readonly encrypted: boolean
  /** Disconnects; idempotent. Also done when the Scope closes. */
  readonly disconnect: Effect.Effect<void, RequestError>
  /** The share is in a DFS namespace: CREATE names are "server\share\path" with DFS_OPERATIONS. */
  readonly isDfs?: boolean | undefined
  /** The server name the tree was connected with (as in its "\\server\share" path). */
  readonly server?: string | undefined
  /** Follows DFS referrals for paths on this tree; set by a Dfs resolver. */
  readonly referrals?: DfsFollower | undefined
}

/**
 * Where a path on a DFS tree really is: a tree (maybe on another server) and the path on it.
 *
 * @since 0.1.0
 * @category models
 */
export interface DfsLocation {
  readonly tree: TreeShape
  readonly path: string
  /** How many trailing components of the path asked for are the trailing components of `path`. */
  readonly kept: number
}

/**
 * What File.open asks of a DFS resolver.
 *
 * @since 0.1.0
 * @category models
 */
export interface DfsFollower {
  /** Where `path` is by the referral cache alone; `tree` and `path` themselves when nothing cached covers it. */
  readonly lookup: (tree: TreeShape, path: string) => Effect.Effect<DfsLocation, RequestError>
  /** After STATUS_PATH_NOT_COVERED: asks the server for a referral, caches it, and goes there. */
  readonly refer: (tree: TreeShape, path: string) => Effect.Effect<DfsLocation, RequestError>
}

/**
 * The CREATE name of `wirePath` (share-relative, wire form) on `tree`: on a DFS share the full
 * "server\share\path" form without a leading separator (MS-SMB2 2.2.13, 3.2.4.3).
 *
 * @since 0.1.0
 * @category utils
 */
export const createName = (tree: TreeShape, wirePath: string): string =>
  tree.isDfs === true
    ? [tree.server ?? tree.session.connection.host, shareName(tree.share), wirePath].filter((part) => part !== "").join("\\")
    : wirePath

/** The share's name from a share name or a "\\server\share" path. */
const shareName = (share: string): string => share.startsWith("\\\\") ? share.split("\\")[3] ?? "" : share

/**
 * @since 0.1.0
 * @category tags
 */
export class Tree extends Context.Tag("effect-smb/Tree")<Tree, TreeShape>() {}

const validated = new WeakSet<ConnectionShape>()
// A reconnected connection's generations: each one's negotiation is validated once.
const validatedGenerations = new WeakSet<object>()

const validateNegotiate = (
  connection: Pick<ConnectionShape, "negotiation" | "negotiated" | "handler">,
  sessionId: bigint,
  treeId: number
) =>
  Effect.gen(function*() {
    const { negotiation, negotiated, handler } = connection
    const request = makeValidateNegotiateInfoIoctl({
      capabilities: negotiation.capabilities,
      guid: negotiation.clientGuid,
      securityMode: negotiation.securityMode,
      dialects: negotiation.dialects
    })
    // The request is signed, so the transformer rejects an unsigned or badly signed answer; either
    // way the negotiation was tampered with (3.2.5.14.12).
    const reply = yield* handler.sendRecv(
      { command: Command.IOCTL, sessionId, treeId, body: encodeIoctlRequest(request), responseSize: 24, sign: true },
      { command: Command.IOCTL }
    ).pipe(
      Effect.catchIf(
        (error) => error._tag === "TransformFailed" && (error.reason === "Unsigned" || error.reason === "BadSignature"),
        () => new NegotiationFailed({ reason: "Tampered", detail: "VALIDATE_NEGOTIATE_INFO response was not signed" })
      )
    )
    if (!reply.verified && !reply.encrypted) {
      return yield* new NegotiationFailed({ reason: "Tampered", detail: "VALIDATE_NEGOTIATE_INFO response was not signed" })
    }
    const ioctl = decodeIoctlResponse(reply.message)
    const info = Either.flatMap(ioctl, (r) => decodeValidateNegotiateInfoResponse(r.output))
    if (Either.isLeft(info)) return yield* info.left
    const got = info.right
    const same = got.dialect === negotiated.dialectRevision &&
      got.securityMode === negotiation.serverSecurityMode &&
      got.capabilities === negotiation.serverCapabilities &&
      Buffer.from(got.guid).equals(Buffer.from(negotiation.serverGuid))
    if (!same) {
      return yield* new NegotiationFailed({ reason: "Tampered", detail: "VALIDATE_NEGOTIATE_INFO does not match the NEGOTIATE response" })
    }
  })

/**
 * Connects `share` (a share name, or a full "\\server\share" path) on `session`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  session: SessionShape,
  share: string
): Effect.Effect<TreeShape, RequestError | NegotiationFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const { connection } = session
    const { handler } = connection
    const path = share.startsWith("\\\\") ? share : `\\\\${connection.host}\\${share}`
    const server = path.split("\\")[2] ?? connection.host
    const hasKey = !session.isGuest && !session.isAnonymous
    const { message, value } = yield* handler.sendRecvDecode(
      {
        command: Command.TREE_CONNECT,
        sessionId: session.id,
        body: encodeTreeConnectRequest({ flags: 0, path }),
        // Signed whenever the session has a key, as Windows and smbclient do: Samba refuses an
        // authenticated TREE_CONNECT that is neither signed nor encrypted.
        sign: hasKey
      },
      decodeTreeConnectResponse,
      { command: Command.TREE_CONNECT }
    )
    const treeId = message.header.treeId
    const shareEncrypts = (value.shareFlags & ShareFlags.ENCRYPT_DATA) !== 0
    let connected = true
    const disconnect = Effect.suspend(() => {
      if (!connected) return Effect.void
      connected = false
      return handler.sendRecv(
        { command: Command.TREE_DISCONNECT, sessionId: session.id, treeId, body: encodeTreeDisconnectRequest() },
        { command: Command.TREE_DISCONNECT }
      ).pipe(Effect.asVoid)
    })
    yield* Effect.addFinalizer(() => Effect.ignore(disconnect))
    if (shareEncrypts) {
      yield* handler.updateTransformer({ _tag: "TreeEncryption", sessionId: session.id, treeId, encrypt: true })
    }
    const dialect = connection.negotiated.dialectRevision
    const validates = dialect === Dialect.SMB_3_0 || dialect === Dialect.SMB_3_0_2
    if (validates && hasKey && !validated.has(connection)) {
      yield* validateNegotiate(connection, session.id, treeId)
      validated.add(connection)
    }
    // After a reconnect the share is connected again (and on 3.0, 3.0.2 the new negotiation
    // validated once per generation, as on a first connection).
    if (connection.reconnect !== undefined) {
      yield* connection.reconnect.register("tree", (target) =>
        Effect.gen(function*() {
          const again = yield* target.handler.sendRecvDecode(
            { command: Command.TREE_CONNECT, sessionId: session.id, body: encodeTreeConnectRequest({ flags: 0, path }), sign: hasKey },
            decodeTreeConnectResponse,
            { command: Command.TREE_CONNECT }
          )
          target.setTreeId(session.id, treeId, again.message.header.treeId)
          if (shareEncrypts) {
            yield* target.handler.updateTransformer({ _tag: "TreeEncryption", sessionId: session.id, treeId, encrypt: true })
          }
          if (validates && hasKey && !validatedGenerations.has(target.negotiation)) {
            yield* validateNegotiate(target, session.id, treeId)
            validatedGenerations.add(target.negotiation)
          }
        }))
    }
    const tree: TreeShape = {
      id: treeId,
      share,
      session,
      shareType: value.shareType,
      shareFlags: value.shareFlags,
      capabilities: value.capabilities,
      maximalAccess: value.maximalAccess,
      encrypted: session.encrypted || shareEncrypts,
      disconnect,
      isDfs: (value.shareFlags & (ShareFlags.DFS | ShareFlags.DFS_ROOT)) !== 0 || (value.capabilities & ShareCapabilities.DFS) !== 0,
      server
    }
    return tree
  }).pipe(Effect.withSpan("smb.tree_connect", { attributes: { share } }))

/**
 * A tree on the Session in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (share: string): Layer.Layer<Tree, RequestError | NegotiationFailed, Session> =>
  Layer.scoped(Tree, Effect.flatMap(Session, (session) => make(session, share)))
