/**
 * STATUS_NETWORK_SESSION_EXPIRED (MS-SMB2 3.2.4.2.3.1, 3.2.5.1.6): requests that meet an expired
 * session wait while the client authenticates it again (SESSION_SETUP on the same session id,
 * with the credentials it holds, the keys kept) and are sent again; the caller sees nothing but a
 * delay. Requests that meet the expiry together share one re-authentication. Against the honest
 * fake server of the reliability tests (NTLMv2, signing required), reached over TCP loopback.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import * as TestPeer from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { Dialect } from "../../src/wire/Negotiate.js"
import type { FakeServerOptions } from "../reliability/fakeServer.js"
import { makeFakeServer } from "../reliability/fakeServer.js"

const USER = "alice"
const PASSWORD = "Quokka-Zebra-7731!"

const serve = (options: Omit<FakeServerOptions, "dialect" | "password">) =>
  Effect.gen(function*() {
    const server = makeFakeServer({ dialect: Dialect.SMB_3_1_1, password: PASSWORD, ...options })
    const { connections, port } = yield* TestPeer.makeTcp()
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(connections, (peer) => peer.serve(server.handler))))
    const context = yield* Layer.build(Connection.layer({ host: "127.0.0.1", port, timeout: "2 seconds" }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(USER, Redacted.make(PASSWORD)))
    return { server, connection, session }
  })

describe("reconnect: an expired session", () => {
  it.scoped("requests that meet the expiry together are sent again after one re-authentication", () =>
    Effect.gen(function*() {
      let treeConnects = 0
      // The session expires at the first TREE_CONNECT: it and the three beside it are answered so.
      const { connection, server, session } = yield* serve({
        expire: (request) => request.header.command === Command.TREE_CONNECT && ++treeConnects === 1
      })
      const trees = yield* Effect.forEach([1, 2, 3, 4], () => Tree.make(session, "share"), { concurrency: "unbounded" })
      expect(trees.map((tree) => tree.id)).toEqual([5, 5, 5, 5])
      expect(server.reauthentications()).toBe(1)
      expect(yield* connection.reconnect!.stats).toMatchObject({ reauthentications: 1, reconnects: 0 })
      // later requests go straight through
      yield* Tree.make(session, "share")
      expect(server.reauthentications()).toBe(1)
    }))

  it.scoped("a session that expires again at once: the request fails with the expiry after a bounded number of tries", () =>
    Effect.gen(function*() {
      let expire = false
      const { server, session } = yield* serve({ expire: () => expire })
      expire = true
      const exit = yield* Effect.exit(Tree.make(session, "share"))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toMatchObject({ _tag: "ServerError", reason: "STATUS_NETWORK_SESSION_EXPIRED" })
      // eight tries of the request, each after a re-authentication (reconnecting.ts: MAX_REAUTHENTICATED_TRIES)
      expect(server.reauthentications()).toBe(8)
    }))
})
