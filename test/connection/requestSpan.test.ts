/**
 * The request span of MessageHandler.sendRecv: one `smb.request` span per request, a child of
 * the caller's span, named after the command, and ended with the request's exit, whether it
 * succeeds, fails or is interrupted.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { Command } from "../../src/wire/Command.js"
import { Status } from "../../src/wire/Status.js"
import { subjects } from "./subjects.js"

interface Recorded {
  readonly name: string
  readonly parent: string | undefined
  readonly attributes: Map<string, unknown>
  exit: Exit.Exit<unknown, unknown> | undefined
}

/** A tracer that records every span it starts and how each one ended. */
const recording = () => {
  const spans: Array<Recorded> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const recorded: Recorded = {
        name,
        parent: Option.match(parent, { onNone: () => undefined, onSome: (p) => (p._tag === "Span" ? p.name : undefined) }),
        attributes: new Map(),
        exit: undefined
      }
      spans.push(recorded)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${++next}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: recorded.attributes,
        links,
        sampled: true,
        kind,
        end: (endTime, exit) => {
          recorded.exit = exit
          ;(span as { status: Tracer.SpanStatus }).status = { _tag: "Ended", startTime, endTime, exit }
        },
        attribute: (key, value) => void recorded.attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

const echo = { command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }

describe("the request span", () => {
  it.scopedLive("one per request, under the caller's span, ended with the request's exit", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recording()
      const built = yield* subjects[0]!.make()
      const traced = <A, E>(effect: Effect.Effect<A, E>) => effect.pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))

      const ok = yield* Effect.fork(traced(built.handler.sendRecv(echo)))
      yield* built.peer.respond(yield* built.peer.next, { credits: 4 })
      expect(Exit.isSuccess(yield* Fiber.await(ok))).toBe(true)

      const refused = yield* Effect.fork(traced(built.handler.sendRecv(echo)))
      yield* built.peer.respond(yield* built.peer.next, { status: Status.ACCESS_DENIED })
      expect(yield* Fiber.await(refused)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError" } } })

      const interrupted = yield* Effect.fork(traced(built.handler.sendRecv(echo)))
      yield* built.peer.next
      yield* Fiber.interrupt(interrupted)

      const requests = spans.filter((span) => span.name === "smb.request")
      expect(requests.map((span) => [span.parent, span.attributes.get("command")])).toEqual([
        ["caller", "ECHO"],
        ["caller", "ECHO"],
        ["caller", "ECHO"]
      ])
      expect(requests[0]!.exit).toSatisfy((exit: Exit.Exit<unknown, unknown>) => Exit.isSuccess(exit))
      expect(requests[1]!.exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError" } } })
      expect(requests[2]!.exit).toSatisfy((exit: Exit.Exit<unknown, unknown>) => Exit.isInterrupted(exit))
    }))
})
