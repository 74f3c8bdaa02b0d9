/**
 * The receive loop both loop-running backends share: FiberBackend on the main thread and the
 * ThreadBackend's runner inside its thread. Each frame is handed on synchronously; the first
 * transport failure ends the loop through the backend's own shutdown. The shutdowns differ on
 * purpose: FiberBackend tells the worker in place, the thread posts the reason to the main thread
 * and closes its socket there.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { TransportError } from "../../errors.js"
import { ConnectionStopped } from "../../errors.js"
import type { TransportShape } from "../../transport/Transport.js"

export const receiveLoop = (
  transport: TransportShape,
  onFrame: (frame: Uint8Array) => void,
  shutdown: (error: ConnectionStopped) => Effect.Effect<void>
): Effect.Effect<never> => {
  // A plain function, not an Effect.sync per frame, and no Effect.forever, whose yield after
  // every frame costs a scheduler hop: the fiber runtime still yields after its op budget.
  const loop: Effect.Effect<never, TransportError> = Effect.flatMap(transport.receive, (frame) => {
    onFrame(frame)
    return loop
  })
  return Effect.catchAll(loop, (cause) => shutdown(new ConnectionStopped({ reason: "TransportFailed", cause }))) as Effect.Effect<never>
}
