/**
 * Cleanups that must run however the test process ends: at exit, and on SIGINT, SIGTERM or
 * SIGHUP (the signal is then raised again when nobody else handles it, so the process ends as it
 * would have). Each harness switches its cleanup on while it owns something (servers, loopback
 * addresses) and off when it owns nothing more.
 *
 * The listeners go first in line: vitest's own call process.exit(), and once that runs from
 * inside an 'exit' listener, the listeners after it are skipped.
 */
const SIGNALS: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"]
const cleanups = new Set<() => void>()
let installed = false

const runAll = (): void => {
  for (const cleanup of [...cleanups]) cleanup()
  cleanups.clear()
  install(false)
}

const onSignal = (sig: NodeJS.Signals): void => {
  runAll()
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
}

const install = (on: boolean): void => {
  if (on === installed) return
  installed = on
  if (on) {
    process.prependListener("exit", runAll)
    for (const sig of SIGNALS) process.prependListener(sig, onSignal)
  } else {
    process.off("exit", runAll)
    for (const sig of SIGNALS) process.off(sig, onSignal)
  }
}

/** A switch for `cleanup`: on, it runs when the process ends; off, it does not. */
export const whenProcessEnds = (cleanup: () => void) => (on: boolean): void => {
  if (on) cleanups.add(cleanup)
  else cleanups.delete(cleanup)
  install(cleanups.size > 0)
}
