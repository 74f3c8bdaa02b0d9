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

  it.scopedLive("client-required signing on a server that does not require it", () =>
    Effect.gen(function*() {
      const { session } = yield* scenario(servers.default, { signing: "required" })
      expect(session.signingRequired).toBe(true)
    }))

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
    it.scopedLive(`${multiProtocol ? "multi-protocol" : "SMB2-only"} negotiation reaches 3.1.1`, () =>
      Effect.gen(function*() {
        const { connection } = yield* scenario(servers.default, { multiProtocol })
        expect(connection.negotiated.dialect).toBe("3.1.1")
      }))
  }

  for (const variant of ["signing", "encrypt"] as const) {
    it.scopedLive(`the thread worker serves a ${variant} session: signing and encryption run in the thread`, () =>
      Effect.gen(function*() {
        const entry = yield* threadEntry
        const { connection, session, tree } = yield* scenario(servers[variant], { worker: "thread", threadEntry: entry })
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
      const { connection } = yield* scenario(servers.signing, { worker: "single" })
      expect(connection.negotiated.signingRequired).toBe(true)
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
