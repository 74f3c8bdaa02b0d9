/**
 * The client stack the reliability tests drive: MessageHandler over ParallelWorker over
 * FiberBackend, facing a scriptable peer reached in memory or over TCP loopback (the real
 * TcpTransport and a real socket pair), and what a peer needs to answer like a server that holds
 * a session's keys: sign a response, encrypt one.
 */
import { concatBytes } from "../../src/wire/Reader.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as FiberBackend from "../../src/connection/FiberBackend.js"
import * as MessageHandler from "../../src/connection/MessageHandler.js"
import * as ParallelWorker from "../../src/connection/ParallelWorker.js"
import type { SessionSecurity } from "../../src/connection/Transformer.js"
import { Worker, type WorkerOptions, type WorkerShape } from "../../src/connection/Worker.js"
import * as Encryption from "../../src/crypto/Encryption.js"
import * as Signing from "../../src/crypto/Signing.js"
import type { TransportError } from "../../src/errors.js"
import * as TestPeer from "../../src/testing/TestPeer.js"
import * as TcpTransport from "../../src/transport/TcpTransport.js"
import { Transport, type TransportShape } from "../../src/transport/Transport.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { viewOf } from "../../src/wire/Reader.js"

export type PeerKind = "memory" | "tcp"

export interface Stack {
  readonly peer: TestPeer.TestPeer
  readonly handler: MessageHandler.MessageHandlerShape
  readonly worker: WorkerShape
  /** The connection's own scope: closing it stops the connection. */
  readonly scope: Scope.CloseableScope
}

export interface StackOptions {
  readonly peer?: PeerKind
  readonly worker?: Partial<WorkerOptions>
  readonly handler?: Partial<MessageHandler.HandlerOptions>
  /** The largest frame the client accepts. */
  readonly maxFrameSize?: number
}

const clientTransport = (kind: PeerKind, maxFrameSize: number | undefined) =>
  Effect.gen(function*() {
    if (kind === "memory") return yield* TestPeer.makeMemory(maxFrameSize === undefined ? {} : { maxFrameSize })
    const server = yield* TestPeer.makeTcp()
    const transport = yield* TcpTransport.make({
      host: "127.0.0.1",
      port: server.port,
      ...(maxFrameSize === undefined ? {} : { maxFrameSize })
    })
    const peer = yield* server.connections
    return { peer, transport }
  })

/**
 * A connection to a fresh peer. The peer (and, over TCP, its server) lives in the caller's Scope;
 * the connection in `scope`, which the caller's Scope also closes.
 */
export const makeStack = (options: StackOptions = {}): Effect.Effect<Stack, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const { peer, transport } = yield* clientTransport(options.peer ?? "memory", options.maxFrameSize)
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const layer = MessageHandler.layer(options.handler).pipe(
      Layer.provideMerge(ParallelWorker.layer(options.worker).pipe(Layer.provide(FiberBackend.layer), Layer.orDie)),
      Layer.provide(Layer.succeed(Transport, transport satisfies TransportShape))
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    return { peer, handler: Context.get(context, MessageHandler.MessageHandler), worker: Context.get(context, Worker), scope }
  })

/** Grants `credits` with the answer to a first ECHO, so that many requests can be in flight. */
export const warmUp = (stack: Stack, credits: number) =>
  Effect.gen(function*() {
    const first = yield* Effect.fork(stack.handler.sendRecv(echo(0)))
    yield* stack.peer.respond(yield* stack.peer.next, { credits })
    yield* Fiber.join(first)
  })

/** An ECHO request whose body carries a tag, so that a response can be matched to its caller. */
export const echo = (tag: number, sessionId = 0n) => {
  const body = new Uint8Array(8)
  body[0] = 4
  viewOf(body).setUint32(4, tag, true)
  return { command: 0x000d, body, sessionId }
}

export const tagOf = (body: Uint8Array): number => viewOf(body).getUint32(4, true)

/** Sets SIGNED and writes the signature, as a server holding the session's signing key does. */
export const signAsServer = (session: SessionSecurity, message: Uint8Array): Uint8Array => {
  const view = viewOf(message)
  view.setUint32(16, view.getUint32(16, true) | HeaderFlags.SIGNED, true)
  message.fill(0, Signing.SIGNATURE_OFFSET, Signing.SIGNATURE_OFFSET + Signing.SIGNATURE_SIZE)
  message.set(Signing.sign(session.signingAlgorithm, session.signingKey, message), Signing.SIGNATURE_OFFSET)
  return message
}

let nonceCounter = 0

/**
 * The TRANSFORM_HEADER frame a server sends: encrypted with its encryption key, which is the
 * client's decryption key. Nonces only need to be unique per key, so a counter will do.
 */
export const encryptAsServer = (session: SessionSecurity, plaintext: Uint8Array): Uint8Array => {
  const encryption = session.encryption!
  const nonce = new Uint8Array(16)
  viewOf(nonce).setUint32(0, ++nonceCounter, true)
  return concatBytes(Either.getOrThrow(Encryption.encrypt(encryption.cipher, encryption.decryptionKey, session.sessionId, nonce, plaintext)))
}

/** The request inside a client's TRANSFORM frame, as a server holding the session's keys reads it. */
export const decryptAsServer = (session: SessionSecurity, request: TestPeer.ReceivedRequest): TestPeer.ReceivedRequest => {
  const encryption = session.encryption!
  const { plaintext } = Either.getOrThrow(Encryption.decrypt(encryption.cipher, encryption.encryptionKey, request.frame))
  return TestPeer.splitFrame(plaintext)[0]!
}
