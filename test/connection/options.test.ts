/**
 * Connection options as the server sees them and as they behave: Connection.layer over TCP to the
 * scriptable peer (loopback), each option checked on the wire or by its effect — encryption "off"
 * offers no cipher, signing "required" asks for signing, the cipher and signing preferences are
 * sent in order, creditBacklog sets the credits asked for, timeout and disconnectOnTimeout decide
 * what an unanswered request does, worker picks the worker; and `config` reads the same options
 * from the environment.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import * as Options from "../../src/connection/ConnectionOptions.js"
import type { ReceivedRequest, TestPeer } from "../../src/testing/TestPeer.js"
import * as Peer from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import type { NegotiateRequest } from "../../src/wire/Negotiate.js"
import { Capabilities, decodeNegotiateRequest, Dialect, SecurityMode } from "../../src/wire/Negotiate.js"
import { Cipher, SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { expectWorker, watchThreads } from "../support/workers.js"
import { negotiateResponseBody } from "../support/negotiateResponse.js"
import { threadEntry } from "./subjects.js"

const negotiateResponse = (dialect: number, cipher?: number) =>
  negotiateResponseBody({
    dialect,
    serverGuid: new Uint8Array(16).fill(0xcd),
    capabilities: Capabilities.LARGE_MTU | (cipher === undefined ? 0 : Capabilities.ENCRYPTION),
    contexts: cipher === undefined ? [] : [{ _tag: "Encryption", ciphers: [cipher] }]
  })

/**
 * Builds Connection.layer(options) against a fresh TCP peer, answering its NEGOTIATE with 3.1.1;
 * returns the connection, the peer, and the NEGOTIATE request as the peer received it.
 */
const connect = (options: Partial<ConnectionOptions> = {}) =>
  Effect.gen(function*() {
    const server = yield* Peer.makeTcp()
    const building = yield* Effect.fork(Layer.build(Connection.layer({ host: "127.0.0.1", port: server.port, reconnect: false, ...options })))
    const peer = yield* server.connections
    const request = yield* peer.next
    expect([request.kind, request.header.command]).toEqual(["smb2", Command.NEGOTIATE])
    const negotiate = Either.getOrThrow(decodeNegotiateRequest(request.message))
    yield* peer.respond(request, { body: negotiateResponse(Dialect.SMB_3_1_1, Cipher.AES_128_GCM), credits: 16 })
    const connection = Context.get(yield* Fiber.join(building), Connection.Connection)
    return { connection, peer, request, negotiate }
  })

const contextOf = <T extends NegotiateRequest["negotiateContexts"][number]["_tag"]>(negotiate: NegotiateRequest, tag: T) =>
  negotiate.negotiateContexts.find((c) => c._tag === tag) as Extract<NegotiateRequest["negotiateContexts"][number], { _tag: T }> | undefined

/** An ECHO the peer takes and, unless told otherwise, answers. */
const echoThrough = (connection: Connection.ConnectionShape, peer: TestPeer, answer = true) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.exit(connection.echo))
    const request: ReceivedRequest = yield* peer.next
    expect(request.header.command).toBe(Command.ECHO)
    if (answer) yield* peer.respond(request)
    return { fiber, request }
  })

describe("Connection options on the wire (TCP peer)", () => {
  it.scoped("encryption: 'auto' offers the ciphers and the ENCRYPTION capability, 'off' neither", () =>
    Effect.gen(function*() {
      const auto = yield* connect({})
      expect(auto.negotiate.capabilities & Capabilities.ENCRYPTION).toBe(Capabilities.ENCRYPTION)
      expect(contextOf(auto.negotiate, "Encryption")?.ciphers).toEqual([Cipher.AES_128_GCM, Cipher.AES_128_CCM, Cipher.AES_256_GCM, Cipher.AES_256_CCM])
      expect(auto.connection.negotiated.encryption).toBe("AES-128-GCM")
      const off = yield* connect({ encryption: "off" })
      expect(off.negotiate.capabilities & Capabilities.ENCRYPTION).toBe(0)
      expect(contextOf(off.negotiate, "Encryption")).toBeUndefined()
    }))

  it.scoped("ciphers and signingAlgorithms are offered in the order given; signing 'required' sets SIGNING_REQUIRED", () =>
    Effect.gen(function*() {
      const { negotiate } = yield* connect({
        ciphers: ["AES-256-CCM", "AES-128-GCM"],
        signingAlgorithms: ["HMAC-SHA256", "AES-128-CMAC"],
        signing: "required"
      })
      expect(contextOf(negotiate, "Encryption")?.ciphers).toEqual([Cipher.AES_256_CCM, Cipher.AES_128_GCM])
      expect(contextOf(negotiate, "Signing")?.algorithms).toEqual([SigningAlgorithm.HMAC_SHA256, SigningAlgorithm.AES_CMAC])
      expect(negotiate.securityMode).toBe(SecurityMode.SIGNING_ENABLED | SecurityMode.SIGNING_REQUIRED)
      const auto = yield* connect({})
      expect(auto.negotiate.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
      expect(contextOf(auto.negotiate, "Signing")?.algorithms).toEqual([SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC, SigningAlgorithm.HMAC_SHA256])
    }))

  it.scoped("minDialect and maxDialect bound the dialects offered", () =>
    Effect.gen(function*() {
      const all = yield* connect({})
      expect(all.negotiate.dialects).toEqual([Dialect.SMB_2_0_2, Dialect.SMB_2_1, Dialect.SMB_3_0, Dialect.SMB_3_0_2, Dialect.SMB_3_1_1])
      const some = yield* connect({ minDialect: "2.1", maxDialect: "3.1.1" })
      expect(some.negotiate.dialects).toEqual([Dialect.SMB_2_1, Dialect.SMB_3_0, Dialect.SMB_3_0_2, Dialect.SMB_3_1_1])
    }))

  it.scoped("creditBacklog sets the credits asked for (default 128)", () =>
    Effect.gen(function*() {
      const byDefault = yield* connect({})
      const none = yield* connect({ creditBacklog: 0 })
      const some = yield* connect({ creditBacklog: 40 })
      // the NEGOTIATE: its charge (1) plus what brings the window (1, spent on it) up to the backlog
      expect([byDefault.request.header.credits, none.request.header.credits, some.request.header.credits]).toEqual([129, 1, 41])
      // after the grant of 16 the ECHO takes one: it asks for its charge and what brings 15 up to the backlog
      const echoes = yield* Effect.forEach([byDefault, none, some], ({ connection, peer }) => echoThrough(connection, peer))
      expect(echoes.map((e) => e.request.header.credits)).toEqual([1 + 128 - 15, 1, 1 + 40 - 15])
      yield* Effect.forEach(echoes, (e) => Fiber.join(e.fiber))
    }))

  it.live("timeout: an unanswered request fails after it; by default (disconnectOnTimeout) the connection stops", () =>
    Effect.scoped(Effect.gen(function*() {
      const { connection, peer } = yield* connect({ timeout: "200 millis" })
      const started = Date.now()
      const { fiber } = yield* echoThrough(connection, peer, false)
      const exit = yield* Fiber.join(fiber)
      const elapsed = Date.now() - started
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "OperationTimeout", reason: "Receive", millis: 200 } } })
      expect(elapsed).toBeGreaterThanOrEqual(150)
      expect(elapsed).toBeLessThan(5_000)
      // the connection is given up: the next request fails at once, the peer sees the socket close
      expect(yield* Effect.exit(connection.echo)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ConnectionStopped", reason: "Unresponsive" } } })
      expect(yield* Effect.flip(peer.next)).toMatchObject({ _tag: "TransportError" })
    })))

  it.live("disconnectOnTimeout: false keeps the connection after a timeout", () =>
    Effect.scoped(Effect.gen(function*() {
      const { connection, peer } = yield* connect({ timeout: Duration.millis(200), disconnectOnTimeout: false })
      const late = yield* echoThrough(connection, peer, false)
      expect(yield* Fiber.join(late.fiber)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "OperationTimeout" } } })
      const next = yield* echoThrough(connection, peer)
      expect(yield* Fiber.join(next.fiber)).toMatchObject({ _tag: "Success" })
    })))

  for (const [worker, kind] of [["single", "single"], ["fiber", "parallel-fiber"], [undefined, "parallel-fiber"], ["thread", "parallel-thread"]] as const) {
    it.scopedLive(`worker: ${worker ?? "(default)"} runs the connection on ${kind}`, () =>
      Effect.gen(function*() {
        const threads = yield* watchThreads
        const entry = yield* threadEntry
        const { connection, peer } = yield* connect({ ...(worker === undefined ? {} : { worker }), threadEntry: entry })
        yield* expectWorker(connection.handler, kind, threads)
        expect(threads.spawned).toHaveLength(kind === "parallel-thread" ? 1 : 0)
        const echo = yield* echoThrough(connection, peer)
        expect(yield* Fiber.join(echo.fiber)).toMatchObject({ _tag: "Success" })
      }))
  }
})

describe("ConnectionOptions.config", () => {
  const read = (entries: ReadonlyArray<readonly [string, string]>) =>
    Effect.withConfigProvider(Options.config, ConfigProvider.fromMap(new Map(entries)))

  it.effect("defaults every option but the host", () =>
    Effect.gen(function*() {
      expect(yield* read([["SMB_HOST", "files.example"]])).toEqual({
        host: "files.example",
        port: 445,
        minDialect: "2.0.2",
        maxDialect: "3.1.1",
        signing: "auto",
        encryption: "auto",
        worker: "fiber",
        timeout: Duration.seconds(30),
        creditBacklog: 128
      })
      expect(yield* Effect.flip(read([]))).toMatchObject({ _op: "MissingData", path: ["SMB_HOST"] })
    }))

  it.effect("reads each option from its variable, and refuses a value outside the choices", () =>
    Effect.gen(function*() {
      const options = yield* read([
        ["SMB_HOST", "h"],
        ["SMB_PORT", "1445"],
        ["SMB_MIN_DIALECT", "3.0"],
        ["SMB_MAX_DIALECT", "3.0.2"],
        ["SMB_SIGNING", "required"],
        ["SMB_ENCRYPTION", "off"],
        ["SMB_WORKER", "thread"],
        ["SMB_TIMEOUT", "5 seconds"],
        ["SMB_CREDIT_BACKLOG", "7"]
      ])
      expect(options).toEqual({
        host: "h",
        port: 1445,
        minDialect: "3.0",
        maxDialect: "3.0.2",
        signing: "required",
        encryption: "off",
        worker: "thread",
        timeout: Duration.seconds(5),
        creditBacklog: 7
      })
      for (const [name, value] of [["SMB_WORKER", "threads"], ["SMB_SIGNING", "off"], ["SMB_MAX_DIALECT", "3.2"], ["SMB_PORT", "x"]] as const) {
        expect(Either.isLeft(yield* Effect.either(read([["SMB_HOST", "h"], [name, value]])))).toBe(true)
      }
    }))
})
