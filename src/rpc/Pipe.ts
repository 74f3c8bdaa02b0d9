/**
 * A named pipe on a tree (normally IPC$), as DCE/RPC over SMB2 uses it (MS-RPCE 2.1.1.2,
 * MS-SMB2 3.2.4.20.2): CREATE opens the pipe by name ("srvsvc", not "\\PIPE\\srvsvc"); an IOCTL
 * FSCTL_PIPE_TRANSCEIVE writes a message and returns (the start of) the answer in one round
 * trip; READ fetches the rest. Either may answer STATUS_BUFFER_OVERFLOW: the message did not fit
 * the output and more of it waits on the pipe, which `more` reports. CLOSE ends the open; the
 * Scope closes it when the caller does not.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import * as Requests from "../client/internal/requests.js"
import type { TreeShape } from "../client/Tree.js"
import type { RequestError } from "../errors.js"
import { Command } from "../wire/Command.js"
import { AccessMask, CreateDisposition, ShareAccess } from "../wire/Create.js"
import { CtlCode, decodeIoctlResponse, encodeIoctlRequest, IoctlFlags } from "../wire/Ioctl.js"
import { decodeReadResponse } from "../wire/Read.js"
import { Status } from "../wire/Status.js"

/**
 * What one transceive or read returned.
 *
 * @since 0.1.0
 * @category models
 */
export interface PipeData {
  readonly data: Uint8Array
  /** STATUS_BUFFER_OVERFLOW: the pipe holds more of this message. */
  readonly more: boolean
}

/**
 * A message pipe as the RPC layer sees it; a fake one serves the tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface PipeShape<E = RequestError> {
  /** Writes `message` and returns up to `maxOutput` bytes of the answer. */
  readonly transceive: (message: Uint8Array, maxOutput: number) => Effect.Effect<PipeData, E>
  /** Reads up to `length` bytes. */
  readonly read: (length: number) => Effect.Effect<PipeData, E>
}

/**
 * An open pipe on a tree.
 *
 * @since 0.1.0
 * @category models
 */
export interface NamedPipe extends PipeShape<RequestError> {
  readonly name: string
  readonly fileId: Uint8Array
  /** Closes the pipe; idempotent. Also done when the Scope closes. */
  readonly close: Effect.Effect<void, RequestError>
}

/** What smbclient and Windows ask for when they open an RPC pipe. */
const PIPE_ACCESS = AccessMask.FILE_READ_DATA | AccessMask.FILE_WRITE_DATA | AccessMask.FILE_APPEND_DATA |
  AccessMask.FILE_READ_EA | AccessMask.FILE_WRITE_EA | AccessMask.FILE_READ_ATTRIBUTES |
  AccessMask.FILE_WRITE_ATTRIBUTES | AccessMask.READ_CONTROL | AccessMask.SYNCHRONIZE

const fromEither = <A, E>(value: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(value.left)

const send = (tree: TreeShape, command: number, body: Uint8Array, sizes: { payloadSize?: number; responseSize?: number }) =>
  tree.session.connection.handler.sendRecv(
    { command, body, sessionId: tree.session.id, treeId: tree.id, ...sizes },
    { command, status: [Status.SUCCESS, Status.BUFFER_OVERFLOW], allowAsync: true }
  )

/**
 * Opens the pipe `name` on `tree`; it is closed when the Scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (tree: TreeShape, name: string): Effect.Effect<NamedPipe, RequestError, Scope.Scope> =>
  Effect.gen(function*() {
    let closed = false
    const close = (id: Uint8Array) =>
      Effect.suspend(() => {
        if (closed) return Effect.void
        closed = true
        return Requests.close(tree, id)
      })
    // Acquisition is uninterruptible: an open the server granted is closed, not leaked.
    const { fileId } = yield* Effect.acquireRelease(
      Requests.create(tree, {
        name,
        desiredAccess: PIPE_ACCESS,
        shareAccess: ShareAccess.READ | ShareAccess.WRITE,
        createDisposition: CreateDisposition.OPEN,
        createOptions: 0,
        fileAttributes: 0
      }),
      (created) => Effect.ignore(close(created.fileId))
    )
    const maxTransact = tree.session.connection.negotiated.maxTransactSize
    const maxRead = tree.session.connection.negotiated.maxReadSize
    const pipe: NamedPipe = {
      name,
      fileId,
      close: close(fileId),
      transceive: (message, maxOutput) =>
        Effect.flatMap(
          send(
            tree,
            Command.IOCTL,
            encodeIoctlRequest({
              ctlCode: CtlCode.FSCTL_PIPE_TRANSCEIVE,
              fileId,
              input: message,
              maxInputResponse: 0,
              output: new Uint8Array(0),
              maxOutputResponse: Math.min(maxOutput, maxTransact),
              flags: IoctlFlags.IS_FSCTL
            }),
            { payloadSize: message.length, responseSize: Math.min(maxOutput, maxTransact) }
          ),
          (reply) =>
            Effect.map(fromEither(decodeIoctlResponse(reply.message)), (response) => ({
              data: response.output,
              more: reply.header.status === Status.BUFFER_OVERFLOW
            }))
        ),
      read: (length) => {
        const size = Math.min(length, maxRead)
        return Effect.flatMap(
          send(
            tree,
            Command.READ,
            Requests.readRequestBody(fileId, 0, size),
            { responseSize: size }
          ),
          (reply) =>
            Effect.map(fromEither(decodeReadResponse(reply.message)), (response) => ({
              data: response.data,
              more: reply.header.status === Status.BUFFER_OVERFLOW
            }))
        )
      }
    }
    return pipe
  }).pipe(Effect.withSpan("smb.pipe.open", { attributes: { pipe: name, share: tree.share } }))
