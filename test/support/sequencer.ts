/**
 * The order test files start in. vitest runs the files that took longest last time first, from
 * its results cache; a fresh clone has no cache, and vitest then starts the largest files first,
 * which put slow files that are small (the reconnect transfers, the package's build and install)
 * at the end, where they ran on with one worker while the other stood idle. Without a cache,
 * the files below start first, in this order (each took 10 s or more of `npm test` on a 2-core
 * machine); the rest follow, largest first. Only the order depends on this list: a file missing
 * from it, or listed and gone, runs all the same.
 */
import { relative } from "node:path"
import type { TestSpecification } from "vitest/node"
import { BaseSequencer } from "vitest/node"

const slowest = [
  "test/package/built.test.ts",
  "test/samba/files.test.ts",
  "test/cli/info.test.ts",
  "test/cli/files.test.ts",
  "test/reconnect/transfer.test.ts",
  "test/reconnect/large.test.ts",
  "test/cli/copy.test.ts",
  "test/cli/shares.test.ts",
  "test/rpc/samba.test.ts",
  "test/examples.test.ts",
  "test/connection/ThreadBackend.test.ts",
  "test/connection/conformance.test.ts",
  "test/samba/compound.test.ts",
  "test/cli/folders.test.ts",
  "test/reliability/faults.test.ts",
  "test/impacket/impacket.test.ts"
]

export class Sequencer extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const sorted = await super.sort(files)
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId)
    const cached = files.every((file) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`) !== undefined)
    if (cached) return sorted
    const rank = (file: TestSpecification) => {
      const at = slowest.indexOf(path(file))
      return at === -1 ? slowest.length : at
    }
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}
