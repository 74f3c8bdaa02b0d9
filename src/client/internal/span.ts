/**
 * A span around a path-level operation, made only when someone can see it.
 *
 * Under Effect's default tracer (the one a fresh runtime has, whose spans reach no exporter) or
 * with tracing disabled, the effect runs as it is: `Effect.withSpan` there still makes a span
 * (two random ids, an attribute map) and puts it in the fiber's context, ~8 us per operation
 * warm and ~20 us in a fresh process, once per file of a tree operation. MessageHandler skips
 * its request span the same way. With any other tracer the span is made as before.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"

const untraced: Tracer.Tracer = Effect.runSync(Effect.tracer)

/**
 * `Effect.withSpan(name, options)`, unless no tracer but the default one would receive it.
 *
 * @since 0.1.0
 * @internal
 */
export const withVisibleSpan = (name: string, options: Tracer.SpanOptions) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    fiber.currentTracer === untraced || !fiber.getFiberRef(FiberRef.currentTracerEnabled) ? self : Effect.withSpan(self, name, options)
  )
