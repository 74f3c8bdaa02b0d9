/**
 * The end of a bench client process: the program's result as one JSON line on stdout and exit 0,
 * or its error on stderr and exit 1 (the bench reads the line).
 */
import * as Effect from "effect/Effect"

export const printResult = <A, E>(program: Effect.Effect<A, E>): void => {
  Effect.runPromise(program).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + "\n")
      process.exit(0)
    },
    (error) => {
      process.stderr.write(`${String(error)}\n`)
      process.exit(1)
    }
  )
}
