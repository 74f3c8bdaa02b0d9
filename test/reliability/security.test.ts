/**
 * Security properties (DESIGN.md invariant 8), shown against scripted peers:
 *
 * - responses that must be signed are verified: unsigned and wrongly signed ones fail their own
 *   request; a session or tree that requires encryption never accepts plaintext;
 * - a NEGOTIATE response altered in transit is detected: for 3.1.1 by the preauth integrity hash,
 *   for 3.0 and 3.0.2 by VALIDATE_NEGOTIATE_INFO (fakeServer.ts plays an honest server with a man
 *   in the middle in front of it);
 * - the password never appears in logs, spans, error messages or on the wire;
 * - a size announced by the network is checked before anything is allocated for it.
 */
import { describe, expect, it, vi } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { SessionSecurity } from "../../src/connection/Transformer.js"
import * as TestPeer from "../../src/testing/TestPeer.js"
import { Transport } from "../../src/transport/Transport.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { Dialect, SecurityMode } from "../../src/wire/Negotiate.js"
import { decodeReadResponse } from "../../src/wire/Read.js"
import { Cipher, SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { encodeUtf16 } from "../../src/wire/Reader.js"
import { hygienic } from "../support/hygiene.js"
import { type FakeServerOptions, makeFakeServer } from "./fakeServer.js"
import { decryptAsServer, echo, encryptAsServer, makeStack, signAsServer, tagOf, warmUp } from "./stack.js"

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

const key = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (seed + i * 13) & 0xff)

const signed: SessionSecurity = {
  sessionId: 0x5151n,
  signingAlgorithm: SigningAlgorithm.AES_GMAC,
  signingKey: key(1),
  signingRequired: true,
  encryptData: false
}

const encrypted: SessionSecurity = {
  sessionId: 0x5252n,
  signingAlgorithm: SigningAlgorithm.AES_CMAC,
  signingKey: key(2),
  signingRequired: false,
  encryptData: true,
  encryption: { cipher: Cipher.AES_128_CCM, encryptionKey: key(3), decryptionKey: key(4) }
}

/** A session that needs neither signing nor encryption, with one tree that requires encryption. */
const relaxed: SessionSecurity = {
  sessionId: 0x5353n,
  signingAlgorithm: SigningAlgorithm.HMAC_SHA256,
  signingKey: key(5),
  signingRequired: false,
  encryptData: false,
  encryption: { cipher: Cipher.AES_128_GCM, encryptionKey: key(6), decryptionKey: key(7) }
}
const ENCRYPTED_TREE = 9

describe("security: what the receive path accepts", () => {
  it.live("signing required: an unsigned or wrongly signed response fails its own request; a correctly signed one is verified", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: signed })
      yield* warmUp(stack, 3)
      const callers = yield* Effect.forEach([1, 2, 3], (tag) => Effect.fork(Effect.exit(stack.handler.sendRecv(echo(tag, signed.sessionId)))))
      const requests = yield* stack.peer.take(3)
      const impostor: SessionSecurity = { ...signed, signingKey: key(99) }
      const byTag = new Map(requests.map((r) => [tagOf(r.body), r]))
      yield* stack.peer.respond(byTag.get(1)!, { body: byTag.get(1)!.body })
      yield* stack.peer.sendFrame(signAsServer(impostor, TestPeer.encodeResponse(byTag.get(2)!, { body: byTag.get(2)!.body })))
      yield* stack.peer.sendFrame(signAsServer(signed, TestPeer.encodeResponse(byTag.get(3)!, { body: byTag.get(3)!.body })))
      const [unsigned, forged, genuine] = yield* Fiber.joinAll(callers)
      expect(failureOf(unsigned!)).toMatchObject({ _tag: "TransformFailed", reason: "Unsigned", messageId: byTag.get(1)!.header.messageId })
      expect(failureOf(forged!)).toMatchObject({ _tag: "TransformFailed", reason: "BadSignature", messageId: byTag.get(2)!.header.messageId })
      expect(Exit.isSuccess(genuine!) && genuine.value.verified).toBe(true)
      // the client signed its requests too
      expect(requests.every((r) => (r.header.flags & HeaderFlags.SIGNED) !== 0)).toBe(true)
    })))

  it.live("signing not required: a response that says it is signed is still verified", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: relaxed })
      const caller = yield* Effect.fork(Effect.exit(stack.handler.sendRecv(echo(1, relaxed.sessionId))))
      const request = yield* stack.peer.next
      yield* stack.peer.sendFrame(signAsServer({ ...relaxed, signingKey: key(98) }, TestPeer.encodeResponse(request, { body: request.body })))
      expect(failureOf(yield* Fiber.join(caller))).toMatchObject({ _tag: "TransformFailed", reason: "BadSignature" })
    })))

  it.live("a session that requires encryption rejects plaintext, even correctly signed; its encrypted responses pass", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: encrypted })
      yield* warmUp(stack, 2)
      const callers = yield* Effect.forEach([1, 2], (tag) => Effect.fork(Effect.exit(stack.handler.sendRecv(echo(tag, encrypted.sessionId)))))
      const frames = yield* stack.peer.take(2)
      // what the client sent is encrypted: the peer sees TRANSFORM frames only
      expect(frames.map((f) => f.kind)).toEqual(["other", "other"])
      const requests = frames.map((f) => decryptAsServer(encrypted, f))
      const byTag = new Map(requests.map((r) => [tagOf(r.body), r]))
      yield* stack.peer.sendFrame(signAsServer(encrypted, TestPeer.encodeResponse(byTag.get(1)!, { body: byTag.get(1)!.body })))
      yield* stack.peer.sendFrame(encryptAsServer(encrypted, TestPeer.encodeResponse(byTag.get(2)!, { body: byTag.get(2)!.body })))
      const [plaintext, sealed] = yield* Fiber.joinAll(callers)
      expect(failureOf(plaintext!)).toMatchObject({ _tag: "TransformFailed", reason: "Plaintext" })
      expect(Exit.isSuccess(sealed!) && sealed.value.encrypted).toBe(true)
    })))

  it.live("a tree that requires encryption rejects plaintext on that tree only", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: relaxed })
      yield* stack.worker.updateTransformer({ _tag: "TreeEncryption", sessionId: relaxed.sessionId, treeId: ENCRYPTED_TREE, encrypt: true })
      yield* warmUp(stack, 2)
      const onTree = yield* Effect.fork(Effect.exit(stack.handler.sendRecv({ ...echo(1, relaxed.sessionId), treeId: ENCRYPTED_TREE })))
      const elsewhere = yield* Effect.fork(stack.handler.sendRecv({ ...echo(2, relaxed.sessionId), treeId: 1 }))
      const requests = yield* stack.peer.take(2)
      // only the request on the tree that requires encryption went out encrypted
      const sealedRequest = requests.find((r) => r.kind === "other")!
      const plainRequest = requests.find((r) => r.kind === "smb2")!
      const request = decryptAsServer(relaxed, sealedRequest)
      expect(tagOf(request.body)).toBe(1)
      yield* stack.peer.respond(request, { body: request.body })
      yield* stack.peer.respond(plainRequest, { body: plainRequest.body })
      expect(failureOf(yield* Fiber.join(onTree))).toMatchObject({ _tag: "TransformFailed", reason: "Plaintext" })
      expect(tagOf((yield* Fiber.join(elsewhere)).body)).toBe(2)
    })))
})

// ---------------------------------------------------------------------------------------------
// Negotiation tampered with in transit
// ---------------------------------------------------------------------------------------------

const USER = "alice"
const PASSWORD = "Quokka-Zebra-7731!"

/** A client connection to a fake server over the in-memory pair. */
const connect = (server: ReturnType<typeof makeFakeServer>) =>
  Effect.gen(function*() {
    const { peer, transport } = yield* TestPeer.makeMemory()
    yield* peer.serve(server.handler)
    const connectionOptions: ConnectionOptions = { host: "fileserver", timeout: "2 seconds" }
    const context = yield* Layer.build(
      Layer.effect(Connection.Connection, Connection.make(connectionOptions)).pipe(
        Layer.provide(Connection.layerHandler(connectionOptions)),
        Layer.provide(Layer.succeed(Transport, transport))
      )
    )
    return Context.get(context, Connection.Connection)
  })

const logon = (server: ReturnType<typeof makeFakeServer>, password = PASSWORD) =>
  Effect.flatMap(connect(server), (connection) =>
    Effect.map(Session.make(connection, Session.user(USER, Redacted.make(password))), (session) => ({ connection, session })))

/** SecurityMode is at offset 2 of the NEGOTIATE response body. */
const clearSigningRequired = (message: Uint8Array): Uint8Array => {
  message[64 + 2]! &= ~SecurityMode.SIGNING_REQUIRED
  return message
}
/** ServerGuid is at offset 8 of the NEGOTIATE response body. */
const alterServerGuid = (message: Uint8Array): Uint8Array => {
  message[64 + 8]! ^= 0xff
  return message
}

const fake = (options: Omit<FakeServerOptions, "password">) => makeFakeServer({ password: PASSWORD, ...options })

describe("security: a NEGOTIATE response altered in transit", () => {
  // 3.1.1 (MS-SMB2 3.2.5.2, 3.2.5.3.1): the client hashes the NEGOTIATE response it received into
  // the preauth integrity hash, and that hash is the KDF context of the session's signing key.
  // The honest server hashed what it sent. An altered response therefore gives the two sides
  // different signing keys, and the server's signature on the final SESSION_SETUP response (which
  // it must sign) cannot verify on the client: the session fails before anything uses it.
  // The control run shows that without the alteration the same server and client agree.
  it.live("3.1.1, untouched: the session is established and its responses verify (control)", () =>
    hygienic(Effect.gen(function*() {
      const { connection, session } = yield* logon(fake({ dialect: Dialect.SMB_3_1_1 }))
      expect(connection.negotiated).toMatchObject({ dialect: "3.1.1", signing: "AES-128-GMAC", signingRequired: true })
      expect(session.signingRequired).toBe(true)
      const reply = yield* connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: new Uint8Array([4, 0, 0, 0]) })
      expect(reply.verified).toBe(true)
    })))

  for (const [name, tamper] of [["SIGNING_REQUIRED cleared from SecurityMode", clearSigningRequired], ["the ServerGuid altered", alterServerGuid]] as const) {
    it.live(`3.1.1, ${name}: the preauth hash differs, so the final SESSION_SETUP response fails with BadSignature`, () =>
      hygienic(Effect.gen(function*() {
        const exit = yield* Effect.exit(logon(fake({ dialect: Dialect.SMB_3_1_1, tamperNegotiate: tamper })))
        expect(failureOf(exit)).toMatchObject({ _tag: "TransformFailed", reason: "BadSignature" })
      })))
  }

  // 3.0 and 3.0.2 (MS-SMB2 3.2.5.14.12): the first tree connect is followed by a signed
  // VALIDATE_NEGOTIATE_INFO whose response carries what the server really negotiated; the
  // man in the middle cannot sign a forged one.
  for (const dialect of [Dialect.SMB_3_0, Dialect.SMB_3_0_2] as const) {
    const label = dialect === Dialect.SMB_3_0 ? "3.0" : "3.0.2"
    it.live(`${label}, untouched: the tree connects and VALIDATE_NEGOTIATE_INFO agrees (control)`, () =>
      hygienic(Effect.gen(function*() {
        const { connection, session } = yield* logon(fake({ dialect }))
        expect(connection.negotiated.dialect).toBe(label)
        const tree = yield* Tree.make(session, "share")
        expect(tree.id).toBe(5)
      })))

    it.live(`${label}, SIGNING_REQUIRED cleared: the signed VALIDATE_NEGOTIATE_INFO disagrees, NegotiationFailed(Tampered)`, () =>
      hygienic(Effect.gen(function*() {
        const { connection, session } = yield* logon(fake({ dialect, tamperNegotiate: clearSigningRequired }))
        expect(connection.negotiated.signingRequired).toBe(false)
        const exit = yield* Effect.exit(Tree.make(session, "share"))
        expect(failureOf(exit)).toMatchObject({ _tag: "NegotiationFailed", reason: "Tampered" })
        expect((failureOf(exit) as { detail: string }).detail).toContain("does not match")
      })))

    it.live(`${label}, and the validate response forged to agree: it is unsigned, NegotiationFailed(Tampered)`, () =>
      hygienic(Effect.gen(function*() {
        const { session } = yield* logon(fake({
          dialect,
          tamperNegotiate: clearSigningRequired,
          forgeValidate: (truth) => ({ ...truth, securityMode: truth.securityMode & ~SecurityMode.SIGNING_REQUIRED })
        }))
        const exit = yield* Effect.exit(Tree.make(session, "share"))
        expect(failureOf(exit)).toMatchObject({ _tag: "NegotiationFailed", reason: "Tampered" })
        expect((failureOf(exit) as { detail: string }).detail).toContain("not signed")
      })))
  }
})

// ---------------------------------------------------------------------------------------------
// The password
// ---------------------------------------------------------------------------------------------

interface Captured {
  readonly logs: Array<string>
  readonly spans: Array<string>
}

/** A tracer that records every span's name, attributes, events and how it ended. */
const capturingTracer = (captured: Captured): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${captured.spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          captured.spans.push(`${name} ${inspect([...attributes])} ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "ok"}`)
        },
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: (eventName, _time, eventAttributes) => {
          captured.spans.push(`${name} event ${eventName} ${inspect(eventAttributes)}`)
        },
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })

/** Runs `effect` with every log line (all levels) and every span recorded. */
const capturing = <A, E, R>(captured: Captured, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.withTracer(capturingTracer(captured)),
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message, cause, annotations }) => {
      captured.logs.push(`${logLevel.label} ${inspect(message, { depth: 8 })} ${Cause.isEmpty(cause) ? "" : Cause.pretty(cause)} ${inspect(annotations)}`)
    }))),
    Logger.withMinimumLogLevel(LogLevel.All)
  )

const bigintSafe = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value)

/** Every text form of an exit a user might print or ship. */
const renderings = (exit: Exit.Exit<unknown, unknown>): Array<string> => {
  const texts = [inspect(exit, { depth: 12 }), JSON.stringify(exit, bigintSafe)]
  if (Exit.isFailure(exit)) {
    texts.push(Cause.pretty(exit.cause))
    for (const error of Cause.failures(exit.cause)) {
      texts.push(String(error), (error as Error).message ?? "", (error as Error).stack ?? "", JSON.stringify(error, bigintSafe))
    }
  }
  return texts
}

describe("security: the password", () => {
  it.live("never appears in logs, spans, errors or on the wire, whether the logon succeeds, is refused or fails on the client", () =>
    Effect.gen(function*() {
      const captured: Captured = { logs: [], spans: [] }
      const texts: Array<string> = []
      const wire: Array<Uint8Array> = []
      const run = (options: Omit<FakeServerOptions, "password">, password = PASSWORD) =>
        hygienic(Effect.gen(function*() {
          const server = fake(options)
          const exit = yield* Effect.exit(capturing(captured, Effect.gen(function*() {
            yield* Effect.logDebug("probe: the capture works")
            const { session } = yield* logon(server, password)
            yield* session.logoff
            return session
          })))
          texts.push(...renderings(exit))
          wire.push(...server.received)
          return exit
        }))
      expect(Exit.isSuccess(yield* run({ dialect: Dialect.SMB_3_1_1 }))).toBe(true)
      expect(failureOf(yield* run({ dialect: Dialect.SMB_3_1_1, refuseLogon: true }))).toMatchObject({ _tag: "ServerError", reason: "STATUS_LOGON_FAILURE" })
      expect(failureOf(yield* run({ dialect: Dialect.SMB_3_1_1, tamperNegotiate: alterServerGuid }))).toMatchObject({ reason: "BadSignature" })
      expect(failureOf(yield* run({ dialect: Dialect.SMB_3_0 }, "wrong password"))).toMatchObject({ reason: "STATUS_LOGON_FAILURE" })
      texts.push(inspect(Session.user(USER, PASSWORD), { depth: 8 }), JSON.stringify(Session.user(USER, PASSWORD)), String(Session.user(USER, PASSWORD)))

      // the captures are not empty: the probe log and the library's spans were recorded
      expect(captured.logs.some((line) => line.includes("probe"))).toBe(true)
      expect(captured.spans.some((line) => line.startsWith("smb.session_setup"))).toBe(true)
      expect(captured.spans.some((line) => line.startsWith("smb.request"))).toBe(true)
      expect(wire.length).toBeGreaterThan(10)

      const everything = [...captured.logs, ...captured.spans, ...texts].join("\n")
      expect(everything).not.toContain(PASSWORD)
      expect(everything).not.toContain("wrong password")
      const utf16 = Buffer.from(encodeUtf16(PASSWORD))
      const utf8 = Buffer.from(PASSWORD, "utf8")
      for (const frame of wire) {
        expect(Buffer.from(frame).includes(utf16)).toBe(false)
        expect(Buffer.from(frame).includes(utf8)).toBe(false)
      }
    }), 20_000)
})

// ---------------------------------------------------------------------------------------------
// Sizes from the network
// ---------------------------------------------------------------------------------------------

describe("security: sizes announced by the network are bounded before anything is allocated", () => {
  it.live("a frame length above the maximum: FrameTooLarge from the length header alone, nothing allocated", () =>
    hygienic(Effect.gen(function*() {
      const allocations = vi.spyOn(Buffer, "allocUnsafeSlow")
      yield* Effect.addFinalizer(() => Effect.sync(() => allocations.mockRestore()))
      const stack = yield* makeStack({ maxFrameSize: 1 << 20 })
      const caller = yield* Effect.fork(Effect.exit(stack.handler.sendRecv(echo(1))))
      yield* stack.peer.next
      // 0x200000 = 2 MiB announced; not one byte of it follows
      yield* stack.peer.sendRaw(Uint8Array.of(0, 0x20, 0, 0))
      expect(failureOf(yield* Fiber.join(caller))).toMatchObject({
        _tag: "ConnectionStopped",
        reason: "TransportFailed",
        cause: { _tag: "TransportError", reason: "FrameTooLarge" }
      })
      expect(allocations).not.toHaveBeenCalled()
    })))

  it.live("a TRANSFORM_HEADER announcing 4 GiB of plaintext in a small frame: rejected on its header, counted undeliverable", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: encrypted })
      const frame = encryptAsServer(encrypted, new Uint8Array(80))
      new DataView(frame.buffer).setUint32(36, 0xfffffff0, true)
      const before = process.memoryUsage().arrayBuffers
      yield* stack.peer.sendFrame(frame)
      const caller = yield* Effect.fork(stack.handler.sendRecv(echo(1)))
      const request = yield* stack.peer.next
      yield* stack.peer.respond(request, { body: request.body })
      expect(tagOf((yield* Fiber.join(caller)).body)).toBe(1)
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20)
      expect((yield* stack.worker.stats).undeliverable).toBe(1)
    })))

  it.live("a READ response whose DataLength points past the message: a DecodeError, no copy", () =>
    hygienic(Effect.gen(function*() {
      const stack = yield* makeStack()
      const caller = yield* Effect.fork(Effect.exit(stack.handler.sendRecvDecode({ command: Command.READ, body: new Uint8Array(49) }, decodeReadResponse)))
      const request = yield* stack.peer.next
      const body = new Uint8Array(17)
      const view = new DataView(body.buffer)
      view.setUint16(0, 17, true)
      body[2] = 80
      view.setUint32(4, 0xffffffff, true)
      yield* stack.peer.respond(request, { body })
      expect(failureOf(yield* Fiber.join(caller))).toMatchObject({ _tag: "DecodeError", structure: "ReadResponse" })
      expect(Option.isNone(yield* Effect.option(Effect.timeout(stack.peer.next, "10 millis")))).toBe(true)
    })))
})
