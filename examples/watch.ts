// examples/watch.ts
/**
 * Change notifications as a Stream: the changes in a directory of the share, until five have
 * arrived or a minute has passed. Ending the stream cancels the pending CHANGE_NOTIFY and closes
 * the directory; the connection stays usable.
 *
 *   SMB_URL=smb://alice@fileserver/share SMB_PASSWORD=... npx vite-node examples/watch.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { Connection, Files, Session, Tree } from "effect-smb"
import { SmbServer } from "./server.js"

const SmbLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const { domain, host, password, port, share, user } = yield* SmbServer
    return Files.layer.pipe(
      Layer.provide(Tree.layer(share)),
      Layer.provide(Session.layer(Session.user(user, password, domain))),
      Layer.provide(Connection.layer({ host, port }))
    )
  })
)

const program = Effect.gen(function*() {
  const files = yield* Files.Files
  yield* files.mkdir("inbox", { recursive: true })
  yield* Console.log("watching inbox/ (create, change or delete files there)")
  const seen = yield* files.watch("inbox", { recursive: true }).pipe(
    Stream.tap((change) =>
      Console.log(change._tag === "Changed" ? `${change.action}: ${change.name}` : "too many changes to list: rescan")
    ),
    Stream.take(5),
    Stream.interruptAfter("1 minute"),
    Stream.runCount
  )
  yield* Console.log(`done after ${seen} change(s)`)
})

program.pipe(Effect.provide(SmbLive), NodeRuntime.runMain)
