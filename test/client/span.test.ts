/**
 * Files' operation spans (src/client/internal/span.ts): made under a tracer someone installed, a
 * child of the caller's span; not made under Effect's default tracer, nor with tracing disabled.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as Files from "../../src/client/Files.js"
import { withVisibleSpan } from "../../src/client/internal/span.js"
import { Command } from "../../src/wire/Command.js"
import { createResponse, grant, makeFakeTree } from "./fakeTree.js"

/** A tracer that records the name and parent of every span it starts. */
const recording = () => {
  const spans: Array<{ readonly name: string; readonly parent: string | undefined; readonly attributes: Map<string, unknown> }> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, parent: Option.match(parent, { onNone: () => undefined, onSome: (p) => (p._tag === "Span" ? p.name : undefined) }), attributes })
      return {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

const innermost = Effect.map(Effect.option(Effect.currentSpan), Option.map((span) => span.name))

describe("operation spans", () => {
  it.effect("withVisibleSpan: a span under an installed tracer, none under the default tracer or with tracing off", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recording()
      const inner = innermost.pipe(withVisibleSpan("smb.files.x", { attributes: { path: "a" } }))
      expect(yield* inner.pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))).toEqual(Option.some("smb.files.x"))
      expect(spans.map(({ name, parent }) => [name, parent])).toEqual([["caller", undefined], ["smb.files.x", "caller"]])
      expect(spans[1]!.attributes.get("path")).toBe("a")
      expect(yield* inner.pipe(Effect.withSpan("caller"))).toEqual(Option.some("caller"))
      expect(yield* inner).toEqual(Option.none())
      expect(yield* inner.pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(false))).toEqual(Option.none())
      expect(spans).toHaveLength(2)
    }))

  it.scopedLive("Files operations report their span to an installed tracer", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const echo = yield* Effect.fork(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      yield* peer.respond(yield* peer.next, { credits: 16 })
      yield* Fiber.join(echo)
      yield* peer.serve((request, p) =>
        p.respond(request, { ...(request.header.command === Command.CREATE ? { body: createResponse(3) } : {}), credits: grant(request) })
      )
      const { spans, tracer } = recording()
      yield* Files.stat(tree, "f").pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      expect(spans.filter(({ name }) => name.startsWith("smb.files.")).map(({ attributes, name, parent }) => [name, parent, attributes.get("path")]))
        .toEqual([["smb.files.stat", "caller", "f"]])
      expect(yield* Files.stat(tree, "f")).toMatchObject({ size: 3 })
    }))
})
