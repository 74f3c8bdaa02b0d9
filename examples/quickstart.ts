// examples/quickstart.ts
/**
 * Quick start: the client as four Layers (connection, session, tree, files), one file written and
 * read back, the share listed, and a typed error caught by its tag.
 *
 *   SMB_URL=smb://alice@fileserver/share SMB_PASSWORD=... npx vite-node examples/quickstart.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { Connection, Files, Session, Tree } from "effect-smb"
import { SmbServer } from "./server.js"

// Each Layer needs the one below it; closing the program disconnects, logs off and closes the socket.
const SmbLive = Layer.unwrapEffect(
  Effect.map(SmbServer, ({ domain, host, password, port, share, user }) =>
    Files.layer.pipe(
      Layer.provide(Tree.layer(share)),
      Layer.provide(Session.layer(Session.user(user, password, domain))),
      Layer.provide(Connection.layer({ host, port, encryption: "auto" }))
    ))
)

const program = Effect.gen(function*() {
  const files = yield* Files.Files

  yield* files.writeFile("hello.txt", new TextEncoder().encode("Hello over SMB3"))
  const back = yield* files.readFile("hello.txt")
  yield* Console.log(`read back: ${new TextDecoder().decode(back)}`)

  yield* files.list("").pipe(
    Stream.runForEach((entry) => Console.log(`${entry.isDirectory ? "d" : "-"} ${String(entry.size).padStart(10)} ${entry.name}`))
  )

  // A server's refusal is a ServerError whose reason is the NTSTATUS name.
  yield* files.readFile("no-such-file.txt").pipe(
    Effect.catchTag("ServerError", (error) => Console.log(`no such file: ${error.reason}`))
  )
})

program.pipe(Effect.provide(SmbLive), NodeRuntime.runMain)
