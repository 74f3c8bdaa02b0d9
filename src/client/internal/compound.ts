/**
 * The client's compound chains (MS-SMB2 3.2.4.1.4), as the Windows client sends them: a CREATE,
 * the operations on the file it opens (FileId all ones: "the file the CREATE before me opened"),
 * and the CLOSE, related, in one round trip where open, act and close took three.
 *
 * The CLOSE travels with the CREATE, so a chain leaves no handle open whatever happens to the
 * caller: interrupted, its responses are dropped, and the server has closed the file anyway.
 * A failed CREATE fails the rest of the chain with its own status (servers cascade it); the
 * caller sees the CREATE's error, named after the path, as a lone CREATE would have failed.
 *
 * A server that cannot do compounds gets the same requests one after the other. impacket's
 * smbserver is one: it handles related chains, but signs each response before it sets
 * NextCommand and pads it, so every signature in a compound response but the last fails to
 * verify. Whether a server can is learnt once per session, before its first chain, from a chain
 * that changes nothing: CREATE and CLOSE of the share's root. A tree on a DFS share also
 * gets them one by one: a referral may send its CREATE to another tree, where the rest must follow.
 *
 * @since 0.1.0
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { IncomingMessage } from "../../connection/Message.js"
import type { CompoundRequest, Request } from "../../connection/MessageHandler.js"
import type { RequestError } from "../../errors.js"
import { encodeCloseRequest } from "../../wire/Close.js"
import { Command } from "../../wire/Command.js"
import type { CreateResponse } from "../../wire/Create.js"
import { AccessMask, decodeCreateResponse } from "../../wire/Create.js"
import {
  encodeFileDispositionInformation,
  encodeFileEndOfFileInformation,
  encodeFileRenameInformation,
  FileInformationClass,
  InfoType
} from "../../wire/FileInformation.js"
import { decodeReadResponse } from "../../wire/Read.js"
import { encodeSetInfoRequest } from "../../wire/SetInfo.js"
import { Status } from "../../wire/Status.js"
import { decodeWriteResponse, encodeWriteRequestHead } from "../../wire/Write.js"
import type { OpenOptions } from "../File.js"
import type { TreeShape } from "../Tree.js"
import { atPath, createFollowing, createParameters } from "./handle.js"
import { fromWirePath, toWirePath } from "./path.js"
import type { CreateParameters } from "./requests.js"
import { close, createRequestBody, readRequestBody } from "./requests.js"

/**
 * The FileId of a related operation: the file the chain's CREATE opened.
 *
 * @since 0.1.0
 * @internal
 */
export const RELATED_FILE_ID: Uint8Array = new Uint8Array(16).fill(0xff)

/**
 * An operation in a chain, on the file the chain's CREATE opened: its request for a FileId (all
 * ones in a chain, the real one when the server gets the requests one by one).
 *
 * @since 0.1.0
 * @internal
 */
export interface Step {
  readonly request: (fileId: Uint8Array) => Omit<Request, "sessionId" | "treeId">
  /** Statuses that are answers rather than failures; default STATUS_SUCCESS. */
  readonly status?: ReadonlyArray<number>
}

const fromEither = <A, E>(value: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(value.left)

// Any element may go async (STATUS_PENDING), as a lone request may.
const element = (tree: TreeShape, request: Omit<Request, "sessionId" | "treeId">, status?: ReadonlyArray<number>): CompoundRequest => ({
  request: { ...request, sessionId: tree.session.id, treeId: tree.id },
  options: { command: request.command, status: status ?? [Status.SUCCESS], allowAsync: true }
})

type Replies = { readonly created: CreateResponse; readonly replies: ReadonlyArray<IncomingMessage> }

const chain = (tree: TreeShape, parameters: CreateParameters, steps: ReadonlyArray<Step>): Effect.Effect<Replies, RequestError> =>
  Effect.flatMap(
    tree.session.connection.handler.sendRecvCompound(
      [
        element(tree, { command: Command.CREATE, body: createRequestBody(parameters) }),
        ...steps.map((step) => element(tree, step.request(RELATED_FILE_ID), step.status)),
        element(tree, { command: Command.CLOSE, body: encodeCloseRequest({ flags: 0, fileId: RELATED_FILE_ID }) })
      ],
      { related: true }
    ),
    (replies) => Effect.map(fromEither(decodeCreateResponse(replies[0]!.message)), (created) => ({ created, replies: replies.slice(1, -1) }))
  )

// The same requests one by one, the CREATE following DFS links where the tree does; the file is
// closed whatever happens (a failed CLOSE is ignored, as a handle's is).
const oneByOne = (tree: TreeShape, parameters: CreateParameters, steps: ReadonlyArray<Step>): Effect.Effect<Replies, RequestError> =>
  Effect.scoped(
    Effect.flatMap(
      Effect.acquireRelease(
        createFollowing(tree, fromWirePath(parameters.name), parameters),
        ({ at, created }) => Effect.ignore(close(at, created.fileId))
      ),
      ({ at, created }) =>
        Effect.map(
          Effect.forEach(steps, (step) => {
            const { options, request } = element(at, step.request(created.fileId), step.status)
            return at.session.connection.handler.sendRecv(request, options)
          }),
          (replies) => ({ created, replies })
        )
    )
  )

/**
 * Per session: whether the server answers its compounds as it should (impacket's signatures fail
 * on a signed session only, so a connection's guest session says nothing of its user sessions).
 */
const support = new WeakMap<object, Deferred.Deferred<boolean, RequestError>>()

const ROOT: CreateParameters = createParameters("", { access: AccessMask.FILE_READ_ATTRIBUTES })

// The probe's verdict: answered as a chain should be (a failed CREATE cascading is fine), or not
// (a response that fails its checks, a CLOSE that found no file). Anything else decides nothing.
const probe = (tree: TreeShape): Effect.Effect<boolean, RequestError> =>
  Effect.catchAll(Effect.as(chain(tree, ROOT, []), true), (error) => {
    switch (error._tag) {
      case "TransformFailed":
      case "DecodeError":
      case "UnexpectedCommand":
        return Effect.succeed(false)
      case "ServerError":
        return Effect.succeed(error.command === "CREATE")
      default:
        return Effect.fail(error)
    }
  })

/** Whether the tree's session takes chains: probed once per session, the first time. */
const compounds = (tree: TreeShape): Effect.Effect<boolean, RequestError> =>
  Effect.suspend(() => {
    const key = tree.session
    const known = support.get(key)
    if (known !== undefined) return Deferred.await(known)
    const verdict = Deferred.unsafeMake<boolean, RequestError>(FiberId.none)
    support.set(key, verdict)
    // Uninterruptible, so that the others waiting for the verdict always get one.
    return Effect.uninterruptible(
      Effect.onExit(probe(tree), (exit) =>
        Effect.sync(() => {
          if (exit._tag === "Failure") support.delete(key)
          Deferred.unsafeDone(verdict, exit)
        }))
    )
  })

/**
 * CREATE `path` with `options`, then `steps` on it, then CLOSE: one related compound, or the
 * requests one by one where the server cannot take compounds. Yields the CREATE response and the
 * steps' responses; a server's error names the share and the path.
 *
 * @since 0.1.0
 * @internal
 */
export const openActClose = (
  tree: TreeShape,
  path: string,
  options: OpenOptions,
  steps: ReadonlyArray<Step> = []
): Effect.Effect<Replies, RequestError> => {
  const parameters = createParameters(path, options)
  // A DFS share gets the requests one by one: its CREATE may be sent elsewhere by a referral (a
  // share outside any namespace never answers PATH_NOT_COVERED, so its trees chain as usual).
  const send = tree.isDfs === true
    ? oneByOne(tree, parameters, steps)
    : Effect.flatMap(compounds(tree), (can) => (can ? chain : oneByOne)(tree, parameters, steps))
  return send.pipe(
    Effect.mapError(atPath(tree.share, fromWirePath(parameters.name)))
  )
}

/**
 * CREATE `path` with `options` and then `step` on the file it opens, related, in one round trip,
 * the file staying open for what follows (a listing's next rounds) until the Scope closes, when
 * it is closed. None where chains are not sent (a DFS tree, a server that cannot take them): the
 * caller opens the file the usual way then. A server's error names the share and the path.
 *
 * The step's statuses (`step.status`) should be every answer the caller can make sense of, even
 * one it then fails with: a step failing with a status outside them fails the chain, whose error
 * cannot say which file the CREATE opened, so that file stays open on the server until the tree
 * is disconnected. (The chain goes out uninterruptibly with the Scope's finalizer registered
 * after it, so an interruption never leaves one open.)
 *
 * @since 0.1.0
 * @internal
 */
export const openWith = (
  tree: TreeShape,
  path: string,
  options: OpenOptions,
  step: Step
): Effect.Effect<Option.Option<{ readonly created: CreateResponse; readonly reply: IncomingMessage }>, RequestError, Scope.Scope> => {
  const parameters = createParameters(path, options)
  const open = Effect.acquireRelease(
    Effect.flatMap(
      tree.session.connection.handler.sendRecvCompound(
        [
          element(tree, { command: Command.CREATE, body: createRequestBody(parameters) }),
          element(tree, step.request(RELATED_FILE_ID), step.status)
        ],
        { related: true }
      ),
      (replies) => Effect.map(fromEither(decodeCreateResponse(replies[0]!.message)), (created) => ({ created, reply: replies[1]! }))
    ),
    ({ created }) => Effect.ignore(close(tree, created.fileId))
  )
  const chained = tree.isDfs === true
    ? Effect.succeedNone
    : Effect.flatMap(compounds(tree), (can) => (can ? Effect.asSome(open) : Effect.succeedNone))
  return Effect.mapError(chained, atPath(tree.share, fromWirePath(parameters.name)))
}

/**
 * A READ of `length` bytes at `offset` of the chain's file; END_OF_FILE is an answer (no data).
 *
 * @since 0.1.0
 * @internal
 */
export const readStep = (offset: number, length: number): Step => ({
  request: (fileId) => ({ command: Command.READ, body: readRequestBody(fileId, offset, length), responseSize: length }),
  status: [Status.SUCCESS, Status.END_OF_FILE]
})

/**
 * The data of a READ step's response: a view into the received frame, empty at end of file.
 *
 * @since 0.1.0
 * @internal
 */
export const readData = (reply: IncomingMessage): Effect.Effect<Uint8Array, RequestError> =>
  reply.header.status === Status.END_OF_FILE
    ? Effect.succeed(new Uint8Array(0))
    : Effect.map(fromEither(decodeReadResponse(reply.message)), (response) => response.data)

/**
 * A WRITE of `data` at `offset` of the chain's file (the data is not copied).
 *
 * @since 0.1.0
 * @internal
 */
export const writeStep = (offset: number, data: Uint8Array): Step => ({
  request: (fileId) => ({
    command: Command.WRITE,
    body: [
      encodeWriteRequestHead(
        { offset: BigInt(offset), fileId, channel: 0, remainingBytes: 0, writeChannelInfoOffset: 0, writeChannelInfoLength: 0, flags: 0 },
        data.byteLength
      ),
      data
    ],
    payloadSize: data.byteLength
  })
})

/**
 * How many bytes a WRITE step's response says were written.
 *
 * @since 0.1.0
 * @internal
 */
export const writtenCount = (reply: IncomingMessage): Effect.Effect<number, RequestError> =>
  Effect.map(fromEither(decodeWriteResponse(reply.message)), (response) => response.count)

const setInfoStep = (fileInfoClass: number, buffer: Uint8Array): Step => ({
  request: (fileId) => ({
    command: Command.SET_INFO,
    body: encodeSetInfoRequest({ infoType: InfoType.FILE, fileInfoClass, additionalInformation: 0, fileId, buffer })
  })
})

/** Sets DeletePending on the chain's file. @since 0.1.0 @internal */
export const deletePendingStep: Step = setInfoStep(
  FileInformationClass.FileDispositionInformation,
  encodeFileDispositionInformation({ deletePending: true })
)

/** Sets the chain's file's size. @since 0.1.0 @internal */
export const endOfFileStep = (size: number): Step =>
  setInfoStep(FileInformationClass.FileEndOfFileInformation, encodeFileEndOfFileInformation({ endOfFile: BigInt(size) }))

/** Renames the chain's file to `to` (share-relative). @since 0.1.0 @internal */
export const renameStep = (to: string, replace: boolean): Step =>
  setInfoStep(
    FileInformationClass.FileRenameInformation,
    encodeFileRenameInformation({ replaceIfExists: replace, rootDirectory: 0n, fileName: toWirePath(to) })
  )
