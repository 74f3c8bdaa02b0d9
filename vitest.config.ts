import { availableParallelism } from "node:os"
import { defineConfig, mergeConfig } from "vitest/config"
import { Sequencer } from "./test/support/sequencer.js"
import viteConfig from "./vite.config.js"

export default mergeConfig(viteConfig, defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    setupFiles: ["test/support/setup.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Test files share a worker's loaded modules instead of each reloading effect and the
    // sources (that reloading was 80 of the suite's ~190 s). Test files must not leave global
    // state behind (restore spies, stop what they start), as they already must for watch mode.
    isolate: false,
    // vitest's default is one worker fewer than the cores: a single worker on 2 cores, which
    // leaves a core idle while tests wait on smbd, on child processes or on the network.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: Sequencer }
  }
}))
