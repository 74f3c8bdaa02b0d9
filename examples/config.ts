// examples/config.ts
/**
 * Configuration from the environment: ConnectionOptions.config reads SMB_HOST (required),
 * SMB_PORT, SMB_MIN_DIALECT, SMB_MAX_DIALECT, SMB_SIGNING, SMB_ENCRYPTION, SMB_WORKER, SMB_TIMEOUT
 * and SMB_CREDIT_BACKLOG. Here the server, the login and the share come from SMB_URL (a Config of
 * the program's own, examples/server.ts), which also supplies SMB_HOST and SMB_PORT; the other
 * options still come from the environment.
 *
 *   SMB_URL=smb://alice@fileserver/share SMB_PASSWORD=... SMB_ENCRYPTION=required npx vite-node examples/config.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Connection, ConnectionOptions, Session, Tree } from "effect-smb"
import { SmbServer } from "./server.js"

const SmbLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const { domain, host, password, port, share, user } = yield* SmbServer
    // The URL's host and port first, then the environment for everything else.
    const fromUrl = ConfigProvider.fromJson({ SMB_HOST: host, SMB_PORT: port })
    const options = yield* Effect.withConfigProvider(
      ConnectionOptions.config,
      fromUrl.pipe(ConfigProvider.orElse(ConfigProvider.fromEnv))
    )
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
