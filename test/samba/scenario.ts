/** Test helpers for the real-Samba suites. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { SambaInstance } from "../support/samba/index.js"

/** A connection, a session and a tree on `server`, all closed with the test's Scope. */
export const scenario = (server: SambaInstance, options: Partial<ConnectionOptions>, password = server.password, share = server.share) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: server.host, port: server.port, ...options }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(password)))
    const tree = yield* Tree.make(session, share)
    yield* connection.echo
    return { connection, session, tree }
  })

