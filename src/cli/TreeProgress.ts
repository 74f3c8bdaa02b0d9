/**
 * The progress line of the `-r` verbs (put -r, get -r, rm -r): files, directories and bytes so
 * far and the path just done, redrawn in place on stderr at most ten times a second, and erased
 * when the command ends, however it ends. Only when stderr is a terminal: piped or redirected,
 * stderr carries nothing but failures, as for every other command. Written to the stream
 * directly, not through Console: a line redrawn with "\r" is no log line (Stderr.ts would give it
 * a prefix and a line break).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Progress } from "../client/Folders.js"
import * as Escape from "./Escape.js"

const INTERVAL_MS = 100
const MiB = 1024 * 1024

/**
 * One progress line, without the path when it would make the line longer than `columns`.
 *
 * @since 0.1.0
 * @category output
 */
export const line = (verb: string, progress: Progress, columns: number): string => {
  const counts = `smb: ${verb} ${progress.files} files, ${progress.directories} directories, ${(progress.bytes / MiB).toFixed(1)} MiB`
  const path = ` /${Escape.text(progress.path)}`
  return counts.length + path.length < columns ? counts + path : counts.slice(0, Math.max(0, columns - 1))
}

/**
 * Runs `run` with an `onProgress` for the Folders operation: a live line on a terminal, nothing
 * otherwise.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withProgress = <A, E, R>(
  verb: string,
  run: (onProgress: ((progress: Progress) => Effect.Effect<void>) | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const stderr = process.stderr
  if (stderr.isTTY !== true) return run(undefined)
  let last = 0
  let drawn = false
  const onProgress = (progress: Progress) =>
    Effect.sync(() => {
      const now = performance.now()
      if (now - last < INTERVAL_MS) return
      last = now
      drawn = true
      stderr.write(`\r\x1b[K${line(verb, progress, stderr.columns > 0 ? stderr.columns : 80)}`)
    })
  return Effect.ensuring(
    run(onProgress),
    Effect.sync(() => {
      if (drawn) stderr.write("\r\x1b[K")
    })
  )
}
