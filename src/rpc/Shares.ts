/**
 * Shares: the shares a server offers, as `net view` and `smbclient -L` list them, through the
 * srvsvc RPC interface (MS-SRVS) on the IPC$ named pipe \PIPE\srvsvc: tree connect IPC$, CREATE
 * "srvsvc", bind srvsvc 3.0 in NDR 2.0, NetrShareEnum (opnum 15) at level 1, CLOSE, tree
 * disconnect. Names, types and comments; hidden shares (a name ending in "$") are included, as
 * the server returns them.
 *
 * Everything DCE/RPC here is hand-written (Pdu.ts, Ndr.ts, Srvsvc.ts): no small, maintained
 * npm package does connection-oriented DCE/RPC and NDR without bringing its own SMB stack.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { SessionShape } from "../client/Session.js"
import * as Tree from "../client/Tree.js"
import type { TreeShape } from "../client/Tree.js"
import type { NegotiationFailed, RequestError } from "../errors.js"
import type { RpcError } from "./errors.js"
import { RpcCallFailed, RpcProtocolError, rpcStatusName } from "./errors.js"
import * as Pipe from "./Pipe.js"
import * as Rpc from "./Rpc.js"
import type { ShareInfo1 } from "./Srvsvc.js"
import {
  decodeNetrShareEnumResponse,
  encodeNetrShareEnumRequest,
  MAX_PREFERRED_LENGTH,
  NDR20,
  Opnum,
  PIPE_NAME,
  ShareType,
  SRVSVC
} from "./Srvsvc.js"

/**
 * What a share is: the low bits of its type (MS-SRVS 2.2.2.4).
 *
 * @since 0.1.0
 * @category models
 */
export type ShareKind = "disk" | "printer" | "device" | "ipc" | "unknown"

/**
 * One share.
 *
 * @since 0.1.0
 * @category models
 */
export interface Share {
  readonly name: string
  readonly type: ShareKind
  /** STYPE_SPECIAL: an administrative share (IPC$, ADMIN$, C$). */
  readonly special: boolean
  /** STYPE_TEMPORARY. */
  readonly temporary: boolean
  /** The type as the server sent it, every bit. */
  readonly typeCode: number
  /** The share's remark; "" when it has none. */
  readonly comment: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ListOptions extends Rpc.BindOptions {}

/** The error NetrShareEnum's status says there is more (with a resume handle). */
const ERROR_MORE_DATA = 234

/** How many NetrShareEnum rounds a listing may take before it is given up as a loop. */
const MAX_ROUNDS = 1024

const kinds: ReadonlyArray<ShareKind> = ["disk", "printer", "device", "ipc"]

/**
 * A share from its SHARE_INFO_1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromShareInfo1 = (info: ShareInfo1): Share => ({
  name: info.netname,
  type: kinds[info.type & 0xff] ?? "unknown",
  special: (info.type & ShareType.SPECIAL) !== 0,
  temporary: (info.type & ShareType.TEMPORARY) !== 0,
  typeCode: info.type >>> 0,
  comment: info.remark
})

/**
 * The type as `net view` prints it: "Disk", "Printer", "Device", "IPC" (or "0x…"), with
 * " (special)" and " (temporary)" after it.
 *
 * @since 0.1.0
 * @category output
 */
export const typeLabel = (share: Share): string => {
  const base = share.type === "unknown"
    ? `0x${(share.typeCode & 0xff).toString(16)}`
    : share.type === "ipc"
    ? "IPC"
    : share.type[0]!.toUpperCase() + share.type.slice(1)
  return `${base}${share.special ? " (special)" : ""}${share.temporary ? " (temporary)" : ""}`
}

const OPERATION = "srvsvc.NetrShareEnum"

/**
 * The shares, through an open srvsvc binding; follows ERROR_MORE_DATA with the resume handle.
 *
 * @since 0.1.0
 * @category operations
 */
export const enumerate = <E>(binding: Rpc.Binding<E>, serverName: string): Effect.Effect<ReadonlyArray<Share>, E | RpcError> =>
  Effect.gen(function*() {
    const shares: Array<Share> = []
    let resumeHandle = 0
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stub = yield* Rpc.call(
        binding,
        Opnum.NetrShareEnum,
        encodeNetrShareEnumRequest({ serverName, preferedMaximumLength: MAX_PREFERRED_LENGTH, resumeHandle }),
        OPERATION
      )
      const decoded = decodeNetrShareEnumResponse(stub)
      if (Either.isLeft(decoded)) return yield* decoded.left
      const response = decoded.right
      if (response.status !== 0 && response.status !== ERROR_MORE_DATA) {
        return yield* new RpcCallFailed({ reason: rpcStatusName(response.status), status: response.status, operation: OPERATION })
      }
      const got = response.shares ?? []
      shares.push(...got.map(fromShareInfo1))
      if (response.status === 0) return shares
      // ERROR_MORE_DATA: go on from the resume handle, unless the server made no progress.
      if (got.length === 0 || response.resumeHandle === undefined || response.resumeHandle === resumeHandle) {
        return yield* new RpcProtocolError({ reason: "UnexpectedPdu", detail: `${OPERATION} returned ERROR_MORE_DATA without progress` })
      }
      resumeHandle = response.resumeHandle
    }
    return yield* new RpcProtocolError({ reason: "TooLarge", detail: `${OPERATION} still had more after ${MAX_ROUNDS} rounds` })
  })

/**
 * The shares, through a tree already connected to IPC$; the pipe is opened and closed here.
 *
 * @since 0.1.0
 * @category operations
 */
export const listOnTree = (ipc: TreeShape, options: ListOptions = {}): Effect.Effect<ReadonlyArray<Share>, RequestError | RpcError> =>
  Effect.scoped(Effect.gen(function*() {
    const pipe = yield* Pipe.open(ipc, PIPE_NAME)
    const binding = yield* Rpc.bind(pipe, SRVSVC, NDR20, options)
    const shares = yield* enumerate(binding, `\\\\${ipc.session.connection.host}`)
    yield* pipe.close
    return shares
  }))

/**
 * The shares of the server `session` is on: connects IPC$ for the listing and disconnects it
 * afterwards.
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (
  session: SessionShape,
  options: ListOptions = {}
): Effect.Effect<ReadonlyArray<Share>, RequestError | NegotiationFailed | RpcError> =>
  Effect.scoped(Effect.gen(function*() {
    const ipc: TreeShape = yield* Tree.make(session, "IPC$")
    const shares = yield* listOnTree(ipc, options)
    yield* ipc.disconnect
    return shares
  })).pipe(Effect.withSpan("smb.shares.list"))

