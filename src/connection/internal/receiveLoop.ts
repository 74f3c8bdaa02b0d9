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
import { ConnectionStopped } from "../../errors.js"
import type { TransportShape } from "../../transport/Transport.js"

export const receiveLoop = (
  transport: TransportShape,
  onFrame: (frame: Uint8Array) => void,
  shutdown: (error: ConnectionStopped) => Effect.Effect<void>
): Effect.Effect<never> =>
  transport.receive.pipe(
    // A plain function, not an Effect.sync per frame: `map` runs it synchronously all the same.
    Effect.map(onFrame),
    Effect.forever,
    Effect.catchAll((cause) => shutdown(new ConnectionStopped({ reason: "TransportFailed", cause })))
  ) as Effect.Effect<never>
