// examples/config.ts
/**
 * Configuration from the environment: ConnectionOptions.config reads SMB_HOST (required),
 * SMB_PORT, SMB_MIN_DIALECT, SMB_MAX_DIALECT, SMB_SIGNING, SMB_ENCRYPTION, SMB_WORKER, SMB_TIMEOUT
 * and SMB_CREDIT_BACKLOG; the session and the share come from a Config of the program's own.
 *
 *   SMB_HOST=fileserver SMB_USER=alice SMB_PASSWORD=... SMB_SHARE=share npx vite-node examples/config.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Connection, ConnectionOptions, Session, Tree } from "../src/index.js"

const Login = Config.all({
  user: Config.string("SMB_USER"),
  password: Config.redacted("SMB_PASSWORD"),
  domain: Config.string("SMB_DOMAIN").pipe(Config.withDefault("")),
  share: Config.string("SMB_SHARE")
})

const SmbLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const options = yield* ConnectionOptions.config
    const { domain, password, share, user } = yield* Login
    return Tree.layer(share).pipe(
      Layer.provideMerge(Session.layer(Session.user(user, password, domain))),
      Layer.provideMerge(Connection.layer(options))
    )
  })
)

const program = Effect.gen(function*() {
  const { negotiated } = yield* Connection.Connection
  const session = yield* Session.Session
  const tree = yield* Tree.Tree
  yield* Console.log(`SMB ${negotiated.dialect}, cipher ${negotiated.encryption ?? "none"}, signing ${negotiated.signing}`)
  yield* Console.log(`session encrypted: ${session.encrypted}, share ${tree.share} encrypted: ${tree.encrypted}`)
})

program.pipe(Effect.provide(SmbLive), NodeRuntime.runMain)
