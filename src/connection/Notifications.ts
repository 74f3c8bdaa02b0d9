/**
 * Fan-out of unsolicited server messages to subscribers. Publishing is synchronous (the receive
 * path must never wait on a consumer); each subscriber has its own bounded buffer that drops its
 * oldest message when full, so a slow consumer loses old notifications instead of stalling the
 * connection or growing memory. Drops are counted. Bytes are bounded too: every unsolicited
 * message MS-SMB2 defines (oplock break, lease break, server-to-client notification) is well under
 * MAX_NOTIFICATION_BYTES, so a larger one is dropped (and counted) rather than buffered, and a
 * buffer holds at most capacity x MAX_NOTIFICATION_BYTES.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { IncomingMessage } from "./Message.js"

/**
 * The largest unsolicited message kept, header included.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_NOTIFICATION_BYTES = 4096

/**
 * @since 0.1.0
 * @category models
 */
export class Notifications {
  private readonly subscribers = new Set<Queue.Queue<IncomingMessage>>()
  private closed = false
  dropped = 0

  publish(message: IncomingMessage): void {
    if (message.message.byteLength > MAX_NOTIFICATION_BYTES) {
      this.dropped += this.subscribers.size
      return
    }
    for (const queue of this.subscribers) {
      const size = queue.unsafeSize()
      if (Option.isSome(size) && size.value >= this.capacity) this.dropped++
      queue.unsafeOffer(message)
    }
  }

  /** A stream of the messages published after it starts; ends when the worker stops. */
  readonly stream: Stream.Stream<IncomingMessage>

  /**
   * Subscribes now: the stream yields every message published after this effect completes, and
   * the subscription lasts as long as the Scope.
   */
  readonly subscribe: Effect.Effect<Stream.Stream<IncomingMessage>, never, Scope.Scope>

  constructor(private readonly capacity: number) {
    // One element per pull: a chunk taken from the queue would sit outside the bound, holding up
    // to `capacity` old messages that are never dropped while newer ones are.
    this.subscribe = Effect.acquireRelease(
      Effect.tap(Queue.sliding<IncomingMessage>(this.capacity), (queue) =>
        this.closed ? Queue.shutdown(queue) : Effect.sync(() => this.subscribers.add(queue))),
      (queue) => Effect.zipRight(Effect.sync(() => this.subscribers.delete(queue)), Queue.shutdown(queue))
    ).pipe(Effect.map((queue) => Stream.fromQueue(queue, { maxChunkSize: 1 })))
    this.stream = Stream.unwrapScoped(this.subscribe)
  }

  /** Ends every subscriber's stream. */
  shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      const queues = [...this.subscribers]
      this.subscribers.clear()
      return Effect.forEach(queues, Queue.shutdown, { discard: true })
    })
  }
}
