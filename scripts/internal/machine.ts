/**
 * The machine a benchmark ran on, for its JSON results and its last printed line: other processes
 * on this shared machine skew requests/s more than CPU time per request, so the load is recorded.
 */
import * as Os from "node:os"

const loads = (values: ReadonlyArray<number>) => values.map((l) => l.toFixed(2)).join(" ")

/** Call when the benchmark starts; `end()` when it is done. */
export const machine = () => {
  const before = Os.loadavg()
  return {
    end: () => {
      const after = Os.loadavg()
      return {
        line: `load average before ${loads(before)}, after ${loads(after)}`,
        record: {
          date: new Date().toISOString(),
          node: process.version,
          cpu: Os.cpus()[0]?.model,
          cpus: Os.cpus().length,
          loadAverage: { before, after }
        }
      }
    }
  }
}
