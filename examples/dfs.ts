// examples/dfs.ts
/**
 * DFS: a share in a DFS namespace followed to where its links point. The pool keeps one
 * connection and session per server and account; a link to another server opens one there.
 *
 *   SMB_URL=smb://alice@fs1.corp.example/dfs SMB_PASSWORD=... SMB_FILE=team/report.txt npx vite-node examples/dfs.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Dfs, Files, Session, SessionPool } from "effect-smb"
import { SmbServer } from "./server.js"

const program = Effect.gen(function*() {
  const { domain, host, password, port, share, user } = yield* SmbServer
  const path = yield* Config.string("SMB_FILE")
  const pool = yield* SessionPool.make({ host, port })
  const dfs = Dfs.make(pool, Session.user(user, password, domain))
  const root = yield* dfs.tree(host, share)
  // A path below a link is answered STATUS_PATH_NOT_COVERED; the tree asks for a referral and goes there.
  const data = yield* Files.readFile(root, path)
  yield* Console.log(`${path}: ${data.byteLength} bytes`)
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
