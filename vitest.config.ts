import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/samba/globalSetup.ts"],
    setupFiles: ["test/support/setup.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000
  }
})
