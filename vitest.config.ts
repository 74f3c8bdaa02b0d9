import { defineConfig, mergeConfig } from "vitest/config"
import viteConfig from "./vite.config.js"

export default mergeConfig(viteConfig, defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/samba/globalSetup.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000
  }
}))
