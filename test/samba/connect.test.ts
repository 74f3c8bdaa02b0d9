/**
 * Negotiation, authentication, signing, tree connect, echo and logoff against a real Samba smbd
 * (test/support/samba starts one per variant).
 */
import { expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import * as Exit from "effect/Exit"
import type { DialectName, SigningName } from "../../src/connection/ConnectionOptions.js"
import { Command } from "../../src/wire/Command.js"
import { describeSamba } from "../support/samba/index.js"
import { threadEntry } from "../connection/subjects.js"
import * as Files from "../../src/client/Files.js"
import { makeProxy, protocolOf, SIGNED, smb2Messages } from "../support/proxy.js"
import { expectWorker, watchThreads } from "../support/workers.js"
import { scenario } from "./scenario.js"

const dialects: ReadonlyArray<DialectName> = ["2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"]

describeSamba("Samba: negotiate, authenticate, tree connect, echo, logoff", (servers) => {
  for (const variant of ["default", "signing"] as const) {
    for (const dialect of dialects) {
      it.scopedLive(`${variant}: ${dialect}`, () =>
        Effect.gen(function*() {
          const { connection, session, tree } = yield* scenario(servers[variant], { minDialect: dialect, maxDialect: dialect })
          expect(connection.negotiated.dialect).toBe(dialect)
          expect(session.signingRequired).toBe(variant === "signing")
          expect(tree.id).not.toBe(0)
          const expected = dialect === "3.1.1" ? "AES-128-GMAC" : dialect.startsWith("3") ? "AES-128-CMAC" : "HMAC-SHA256"
          expect(connection.negotiated.signing).toBe(expected)
          // a request in the session: its response is signed and verified exactly when required
          const echo = yield* connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: new Uint8Array([4, 0, 0, 0]) })
          expect(echo.verified).toBe(variant === "signing")
          yield* tree.disconnect
          yield* session.logoff
        }))
    }
  }

  for (const algorithm of ["AES-128-GMAC", "AES-128-CMAC", "HMAC-SHA256"] as ReadonlyArray<SigningName>) {
    it.scopedLive(`signing: 3.1.1 with ${algorithm} only`, () =>
      Effect.gen(function*() {
        const { connection, session } = yield* scenario(servers.signing, { signingAlgorithms: [algorithm] })
        expect(connection.negotiated.signing).toBe(algorithm)
        expect(session.signingRequired).toBe(true)
        yield* connection.echo
      }))
  }

  // Proven on the wire: a recording proxy sees the SIGNED flag and a signature on every request of
  // the session, and the server refuses one whose signature the proxy corrupted.
  for (const dialect of ["2.1", "3.0", "3.1.1"] as const) {
    it.scopedLive(`client-required signing on a server that does not require it (${dialect}): every request is signed, and verified`, () =>
      Effect.gen(function*() {
        const server = servers.default
        const proxy = yield* makeProxy(server)
        const { connection, session, tree } = yield* scenario({ ...server, port: proxy.port }, { signing: "required", maxDialect: dialect })
        expect(connection.negotiated.dialect).toBe(dialect)
        expect(session.signingRequired).toBe(true)
        const echo = { command: Command.ECHO, sessionId: session.id, treeId: tree.id, body: new Uint8Array([4, 0, 0, 0]) }
        expect((yield* connection.handler.sendRecv(echo)).verified).toBe(true)
        const name = `signed-${dialect}-${process.pid}-${Date.now()}.txt`
        yield* Files.writeFile(tree, name, new TextEncoder().encode("signed"))
        expect(new TextDecoder().decode(yield* Files.readFile(tree, name))).toBe("signed")
        yield* Files.remove(tree, name)

        const requests = proxy.frames.filter((f) => f.direction === "toServer").flatMap((f) => smb2Messages(f.bytes))
        const setupEnd = requests.map((m) => m.command).lastIndexOf(Command.SESSION_SETUP)
        expect(setupEnd).toBeGreaterThan(0)
        const inSession = requests.slice(setupEnd + 1).filter((m) => m.sessionId === session.id)
        // TREE_CONNECT, ECHO, CREATE, WRITE, CLOSE, CREATE, READ, CLOSE, and the remove's
        expect(inSession.length).toBeGreaterThanOrEqual(8)
        expect([...new Set(inSession.map((m) => m.command))]).toEqual(
          expect.arrayContaining([Command.TREE_CONNECT, Command.ECHO, Command.CREATE, Command.WRITE, Command.READ, Command.CLOSE])
        )
        for (const m of inSession) {
          expect({ command: m.command, signed: (m.flags & SIGNED) !== 0 }).toEqual({ command: m.command, signed: true })
          expect(m.signature.some((b) => b !== 0)).toBe(true)
        }

        // The server verifies: the same ECHO with one bit of its signature flipped on the way is refused.
        proxy.rewriteToServer = (frame) => {
          const [m] = smb2Messages(frame)
          if (m?.command !== Command.ECHO || m.sessionId !== session.id) return undefined
          const copy = frame.slice()
          copy[48]! ^= 0x01
          return copy
        }
        const exit = yield* Effect.exit(connection.handler.sendRecv(echo))
        proxy.rewriteToServer = undefined
        expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" } } })
        const corrupted = proxy.frames.filter((f) => f.rewritten).flatMap((f) => smb2Messages(f.bytes))
        expect(corrupted).toHaveLength(1)
        const answer = proxy.frames.filter((f) => f.direction === "toClient").flatMap((f) => smb2Messages(f.bytes))
          .find((m) => m.messageId === corrupted[0]!.messageId)
        expect(answer?.status).toBe(0xc0000022) // STATUS_ACCESS_DENIED, from the server
        // and the request with its signature intact still passes: the corruption was the reason
        expect((yield* connection.handler.sendRecv(echo)).verified).toBe(true)
      }))
  }

  it.scopedLive("a wrong password fails with STATUS_LOGON_FAILURE", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(scenario(servers.default, {}, "not the password"))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_LOGON_FAILURE" } } })
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause).includes("not the password")).toBe(false)
    }))

  it.scopedLive("a bad share name fails with STATUS_BAD_NETWORK_NAME", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(scenario(servers.default, {}, servers.default.password, "no-such-share"))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_BAD_NETWORK_NAME" } } })
    }))

  for (const multiProtocol of [true, false]) {
    it.scopedLive(`${multiProtocol ? "multi-protocol" : "SMB2-only"} negotiation reaches 3.1.1, as the wire shows`, () =>
      Effect.gen(function*() {
        const proxy = yield* makeProxy(servers.default)
        const { connection } = yield* scenario({ ...servers.default, port: proxy.port }, { multiProtocol })
        expect(connection.negotiated.dialect).toBe("3.1.1")
        const requests = proxy.frames.filter((f) => f.direction === "toServer")
        const responses = proxy.frames.filter((f) => f.direction === "toClient")
        const negotiates = requests.flatMap((f) => smb2Messages(f.bytes)).filter((m) => m.command === Command.NEGOTIATE)
        // exactly one SMB2 NEGOTIATE; with multi-protocol it follows an SMB1 NEGOTIATE and carries id 1
        expect(negotiates).toHaveLength(1)
        expect(requests.filter((f) => protocolOf(f.bytes) === "smb1")).toHaveLength(multiProtocol ? 1 : 0)
        if (multiProtocol) {
          expect([protocolOf(requests[0]!.bytes), requests[0]!.bytes[4]]).toEqual(["smb1", 0x72])
          expect(protocolOf(requests[1]!.bytes)).toBe("smb2")
          expect(smb2Messages(requests[1]!.bytes)[0]).toMatchObject({ command: Command.NEGOTIATE, messageId: 1n })
          // Samba answered the SMB1 NEGOTIATE with an SMB2 NEGOTIATE response for the wildcard dialect 0x02FF
          const first = responses[0]!.bytes
          expect(smb2Messages(first)[0]).toMatchObject({ command: Command.NEGOTIATE, messageId: 0n })
          expect(new DataView(first.buffer, first.byteOffset).getUint16(64 + 4, true)).toBe(0x02ff)
        } else {
          expect(smb2Messages(requests[0]!.bytes)[0]).toMatchObject({ command: Command.NEGOTIATE, messageId: 0n })
        }
        yield* expectWorker(connection.handler, "parallel-fiber")
      }))
  }

  for (const variant of ["signing", "encrypt"] as const) {
    it.scopedLive(`the thread worker serves a ${variant} session: signing and encryption run in the thread`, () =>
      Effect.gen(function*() {
        const entry = yield* threadEntry
        const threads = yield* watchThreads
        const { connection, session, tree } = yield* scenario(servers[variant], { worker: "thread", threadEntry: entry })
        yield* expectWorker(connection.handler, "parallel-thread", threads)
        const echo = yield* connection.handler.sendRecv({
          command: Command.ECHO,
          sessionId: session.id,
          treeId: tree.id,
          body: new Uint8Array([4, 0, 0, 0])
        })
        expect(variant === "signing" ? echo.verified : echo.encrypted).toBe(true)
      }))
  }

  it.scopedLive("the single worker serves a whole session too", () =>
    Effect.gen(function*() {
      const { connection, session, tree } = yield* scenario(servers.signing, { worker: "single" })
      expect(connection.negotiated.signingRequired).toBe(true)
      yield* expectWorker(connection.handler, "single")
      const echo = yield* connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, treeId: tree.id, body: new Uint8Array([4, 0, 0, 0]) })
      expect(echo.verified).toBe(true)
    }))
})

describeSamba("Samba: anonymous and guest", (servers) => {
  const connect = (server: typeof servers.default) =>
    Effect.map(Layer.build(Connection.layer({ host: server.host, port: server.port })), Context.get(Connection.Connection))

  it.scopedLive("an anonymous session is a null session without keys; the share refuses it", () =>
    Effect.gen(function*() {
      const connection = yield* connect(servers.default)
      const session = yield* Session.make(connection, Session.anonymous)
      expect(session.isAnonymous).toBe(true)
      expect(session.signingRequired).toBe(false)
      const exit = yield* Effect.exit(Tree.make(session, servers.default.share))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" } } })
    }))

  it.scopedLive("a guest login on a server that maps no guests fails with STATUS_LOGON_FAILURE", () =>
    Effect.gen(function*() {
      const connection = yield* connect(servers.default)
      const exit = yield* Effect.exit(Session.make(connection, Session.guest))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_LOGON_FAILURE" } } })
    }))
})
