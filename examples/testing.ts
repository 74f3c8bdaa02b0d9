// examples/testing.ts
/**
 * Testing without a server: effect-smb/testing's TestPeer is a scriptable fake SMB2 server on an
 * in-memory connection. Plain Effect code, no test framework needed: fibers are the clients, and
 * the script decides what the server answers and when.
 *
 * `program` is what a test would run (`await Effect.runPromise(program)`).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { Connection, MessageHandler, Transport, Wire } from "effect-smb"
import { TestPeer } from "effect-smb/testing"

const { Command } = Wire.Command
const { Status } = Wire.Status
const echo = { command: Command.ECHO, body: Wire.Echo.encodeEchoRequest() }

// A fake server that answers ECHO and refuses everything else.
const answerEcho: TestPeer.Handler = (request, peer) =>
  request.header.command === Command.ECHO ? peer.respond(request) : peer.respond(request, { status: Status.NOT_SUPPORTED })

// The connection core (worker and message handler) over the fake server, no negotiation needed.
const OverFakeServer = Connection.layerHandler({ host: "fake" }).pipe(Layer.provide(TestPeer.layer(answerEcho)))

// 1. A hundred requests in flight at once: every fiber gets its own response.
const manyInFlight = Effect.gen(function*() {
  const handler = yield* MessageHandler.MessageHandler
  const replies = yield* Effect.all(Array.from({ length: 100 }, () => handler.sendRecv(echo)), { concurrency: "unbounded" })
  // Each reply answers its own request: as many distinct message ids as requests.
  return new Set(replies.map((reply) => reply.header.messageId)).size
}).pipe(Effect.provide(OverFakeServer))

// 2. A refusal arrives as a typed ServerError.
const refused = Effect.gen(function*() {
  const handler = yield* MessageHandler.MessageHandler
  const error = yield* Effect.flip(handler.sendRecv({ command: Command.FLUSH, body: new Uint8Array(24) }))
  return error._tag === "ServerError" ? error.reason : error._tag
}).pipe(Effect.provide(OverFakeServer))

// 3. A script, step by step: the first request goes async (STATUS_PENDING) and is answered last.
const scripted = Effect.gen(function*() {
  const { peer, transport } = yield* TestPeer.makeMemory()
  const context = yield* Layer.build(
    Connection.layerHandler({ host: "fake" }).pipe(Layer.provide(Layer.succeed(Transport.Transport, transport)))
  )
  const handler = Context.get(context, MessageHandler.MessageHandler)
  const slow = yield* Effect.fork(handler.sendRecv(echo, { allowAsync: true }))
  const first = yield* peer.next
  // The interim response grants a credit, so the next request can go out while this one waits.
  yield* peer.pending(first, 7n)
  const fast = yield* Effect.fork(handler.sendRecv(echo))
  const second = yield* peer.next
  yield* peer.respond(second)
  const fastReply = yield* Fiber.join(fast)
  yield* peer.respondAsync(first, 7n)
  const slowReply = yield* Fiber.join(slow)
  return { fast: fastReply.header.messageId, slow: slowReply.header.messageId, slowWasAsync: slowReply.header.asyncId === 7n }
}).pipe(Effect.scoped)

export const program = Effect.all({ manyInFlight, refused, scripted })
