/**
 * How a command's work runs and fails: in its own Scope (so the connection is closed however the
 * command ends), with any failure printed as ONE line on stderr, "smb: <message>", where the
 * message is the typed error's own (a server error reads "TREE_CONNECT failed:
 * STATUS_BAD_NETWORK_NAME (0xc00000cc)"). --verbose adds the full cause with its stack traces.
 * Interruption (Ctrl-C) is not a failure to report: it passes through, and the process exits 130.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ConnectOptions } from "./ConnectOptions.js"
import { CliError, Reported, UrlError } from "./errors.js"

/**
 * The process exit codes.
 *
 * @since 0.1.0
 * @category constants
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  /** 128 + SIGINT, as shells report a process ended by Ctrl-C. */
  Interrupted: 130
} as const

const isUsage = (error: unknown): boolean =>
  error instanceof UrlError || (error instanceof CliError && error.reason !== "LocalFile" && error.reason !== "Logon")

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/**
 * The line printed for a failure.
 *
 * @since 0.1.0
 * @category output
 */
export const describeCause = <E>(cause: Cause.Cause<E>): string =>
  Option.match(Cause.failureOption(cause), {
    onSome: (error) => oneLine(error instanceof Error ? error.message : String(error)),
    onNone: () => {
      const defect = Cause.squash(cause)
      return `internal error: ${oneLine(defect instanceof Error ? defect.message : String(defect))}`
    }
  })

/**
 * Runs a command's work in its own Scope; a failure is printed and becomes `Reported`. With
 * --verbose the library's debug logs are shown too (on stderr, as main.ts sets the logger up).
 *
 * @since 0.1.0
 * @category combinators
 */
export const run = <E, R>(o: Pick<ConnectOptions, "verbose">, effect: Effect.Effect<void, E, R>): Effect.Effect<void, Reported, Exclude<R, Scope.Scope>> =>
  Effect.scoped(effect).pipe(
    o.verbose ? Logger.withMinimumLogLevel(LogLevel.Debug) : (self) => self,
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.interrupt
        : Effect.gen(function*() {
          yield* Console.error(`smb: ${describeCause(cause)}`)
          if (o.verbose) yield* Console.error(Cause.pretty(cause, { renderErrorCause: true }))
          const failure = Option.getOrUndefined(Cause.failureOption(cause))
          return yield* new Reported({ reason: isUsage(failure) ? "Usage" : "Failed", cause })
        })
    )
  )
