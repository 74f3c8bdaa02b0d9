// A consumer of the packed package: plain Node, no loader, importing effect-smb only through the
// exports map of its package.json. built.test.ts runs it in an empty project where the tarball
// of `npm pack` and the peers are installed; it prints one JSON line for the test to check.
import { createRequire } from "node:module"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Root from "effect-smb"
import * as Testing from "effect-smb/testing"
import * as Wire from "effect-smb/wire"

const { FiberBackend, MessageHandler, ParallelWorker, ThreadBackend } = Root

const layer = MessageHandler.layer().pipe(
  Layer.provideMerge(ParallelWorker.layer()),
  Layer.provide(FiberBackend.layer),
  Layer.provide(Testing.TestPeer.layer(Testing.TestPeer.echoHandler))
)

const echo = Effect.gen(function*() {
  const handler = yield* MessageHandler.MessageHandler
  const { message, value } = yield* handler.sendRecvDecode(
    { command: Wire.Command.Command.ECHO, body: Wire.Echo.encodeEchoRequest() },
    Wire.Echo.decodeEchoResponse
  )
  const stats = yield* handler.stats
  return {
    command: message.header.command,
    status: message.header.status,
    response: Wire.Header.isResponse(message.header),
    decoded: value,
    inFlight: stats.inFlight
  }
})

// The thread worker from the built package: its default entry is dist's bundled threadEntry.js.
const threadEcho = Effect.scoped(Effect.gen(function*() {
  const server = yield* Testing.TestPeer.makeTcp()
  const context = yield* Layer.build(MessageHandler.layer().pipe(
    Layer.provideMerge(ParallelWorker.layer()),
    Layer.provide(ThreadBackend.layer({ host: "127.0.0.1", port: server.port }))
  ))
  const peer = yield* server.connections
  yield* peer.serve(Testing.TestPeer.echoHandler)
  const message = yield* Context.get(context, MessageHandler.MessageHandler).sendRecv({
    command: Wire.Command.Command.ECHO,
    body: Wire.Echo.encodeEchoRequest()
  })
  return { status: message.header.status }
}))

const notExported = await import("effect-smb/src/index.ts").then(
  () => "imported",
  (error) => error.code
)

const { name, version } = createRequire(import.meta.url)("effect-smb/package.json")

console.log(JSON.stringify({
  packageJson: { name, version },
  root: Object.keys(Root).sort(),
  testing: Object.keys(Testing).sort(),
  wire: Object.keys(Wire).sort(),
  sameWire: Root.Wire.Negotiate === Wire.Negotiate,
  echo: await Effect.runPromise(Effect.scoped(Effect.provide(echo, layer))),
  threadEcho: await Effect.runPromise(threadEcho),
  notExported
}))
