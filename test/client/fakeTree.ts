/**
 * A TreeShape over the scriptable peer: a real handler and worker (parallel unless asked) on an in-memory pair,
 * with the negotiated values a test chooses, and no session setup (the peer does not check).
 */
import * as Context from "effect/Context"
import { resolve } from "../../src/connection/ConnectionOptions.js"
import { Command } from "../../src/wire/Command.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { TreeShape } from "../../src/client/Tree.js"
import type { ConnectionShape } from "../../src/connection/Connection.js"
import * as FiberBackend from "../../src/connection/FiberBackend.js"
import * as MessageHandler from "../../src/connection/MessageHandler.js"
import * as ParallelWorker from "../../src/connection/ParallelWorker.js"
import * as SingleWorker from "../../src/connection/SingleWorker.js"
import * as Peer from "../../src/testing/TestPeer.js"
import type { Handler, ReceivedRequest, TestPeer } from "../../src/testing/TestPeer.js"
import { Transport } from "../../src/transport/Transport.js"
import { encodeCreateResponse } from "../../src/wire/Create.js"
import { Capabilities, Dialect } from "../../src/wire/Negotiate.js"

export interface FakeOptions {
  readonly dialect?: number
  readonly maxReadSize?: number
  readonly maxWriteSize?: number
  readonly creditBacklog?: number
  readonly encrypted?: boolean
  /** Default "parallel" (over a FiberBackend). */
  readonly worker?: "single" | "parallel"
}

export const SESSION_ID = 0x11n
export const TREE_ID = 7

export const makeFakeTree = (options: FakeOptions = {}) =>
  Effect.gen(function*() {
    const { peer, transport } = yield* Peer.makeMemory()
    const layer = MessageHandler.layer({ creditBacklog: options.creditBacklog ?? 128 }).pipe(
      Layer.provideMerge(options.worker === "single" ? SingleWorker.layer() : ParallelWorker.layer().pipe(Layer.provide(FiberBackend.layer))),
      Layer.provide(Layer.succeed(Transport, transport))
    )
    const handler = Context.get(yield* Layer.build(layer), MessageHandler.MessageHandler)
    const dialect = options.dialect ?? Dialect.SMB_3_1_1
    const largeMtu = dialect >= Dialect.SMB_2_1
    yield* handler.setNegotiated({ dialect, largeMtu })
    const connection: ConnectionShape = {
      host: "fake",
      options: resolve({ host: "fake", creditBacklog: options.creditBacklog }),
      negotiated: {
        dialect: "3.1.1",
        dialectRevision: dialect,
        securityMode: 1,
        signingRequired: false,
        largeMtu,
        signing: "AES-128-GMAC",
        encryption: null,
        capabilities: largeMtu ? Capabilities.LARGE_MTU : 0,
        maxTransactSize: 1024 * 1024,
        maxReadSize: options.maxReadSize ?? 1024 * 1024,
        maxWriteSize: options.maxWriteSize ?? 1024 * 1024,
        serverGuid: "00".repeat(16),
        systemTime: new Date(0)
      },
      negotiation: {
        clientGuid: new Uint8Array(16),
        securityMode: 1,
        capabilities: 0,
        dialects: [dialect],
        serverGuid: new Uint8Array(16),
        serverSecurityMode: 1,
        serverCapabilities: 0
      },
      preauthHash: undefined,
      securityBuffer: new Uint8Array(0),
      handler,
      echo: Effect.void
    }
    const tree: TreeShape = {
      id: TREE_ID,
      share: "share",
      session: {
        id: SESSION_ID,
        connection,
        flags: 0,
        isGuest: false,
        isAnonymous: false,
        auth: "ntlm",
        signingRequired: false,
        encrypted: false,
        closedByServer: Effect.succeed(false),
        logoff: Effect.void
      },
      shareType: 1,
      shareFlags: 0,
      capabilities: 0,
      maximalAccess: 0x1f01ff,
      encrypted: options.encrypted ?? false,
      disconnect: Effect.void
    }
    return { peer, tree, handler }
  })

export const FILE_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1)

/** A CREATE response for an opened file of `size` bytes (a directory when `directory`). */
export const createResponse = (size: number, directory = false) =>
  encodeCreateResponse({
    oplockLevel: 0,
    flags: 0,
    createAction: 1,
    creationTime: 132_000_000_000_000_000n,
    lastAccessTime: 132_000_000_000_000_000n,
    lastWriteTime: 132_000_000_000_000_000n,
    changeTime: 132_000_000_000_000_000n,
    allocationSize: BigInt(size),
    endOfFile: BigInt(size),
    fileAttributes: directory ? 0x10 : 0x20,
    fileId: FILE_ID,
    contexts: []
  })

/** Grants what the request asked for, as a server with credits to spare does. */
export const grant = (request: ReceivedRequest) => Math.max(1, request.header.credits)

/** Answers the next request (which must be a CREATE) with `createResponse`. */
export const answerCreate = (peer: TestPeer, size: number, directory = false) =>
  Effect.flatMap(peer.next, (request) =>
    Effect.as(peer.respond(request, { body: createResponse(size, directory), credits: grant(request) }), request))

/**
 * A serve handler for one file of `size` bytes: answers CREATE and CLOSE, and hands the rest to
 * `other`. Start it before opening, so that it still runs when the handle's finalizer closes it.
 */
export const serveFile = (size: number, other: Handler, directory = false): Handler => (request, peer) => {
  switch (request.header.command) {
    case Command.CREATE:
      return peer.respond(request, { body: createResponse(size, directory), credits: grant(request) })
    case Command.CLOSE:
      return peer.respond(request, { credits: grant(request) })
    default:
      return other(request, peer)
  }
}
