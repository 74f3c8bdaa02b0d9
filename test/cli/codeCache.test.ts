/**
 * The `smb` command's V8 code cache as published (scripts/bundle-entries.mjs): made after a warm
 * run of `smb ls` against the in-process fake server, so that it covers connecting, logging on,
 * signing and a listing; V8 accepts it for the bundle it was made from, and it holds more than a
 * cache made after `smb --version` alone. The warm run failing or hanging fails the build itself.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { bundleCommand } from "../../scripts/bundle-entries.mjs"
import { bundleCli } from "./cliProcess.js"

// Compiles the bundle with its cache as the loader does, and tells whether V8 took the cache.
const accepted = (dir: string) =>
  execFileSync(process.execPath, ["-e", `
    const { readFileSync } = require("node:fs"), { Script } = require("node:vm")
    const source = readFileSync(${JSON.stringify(join(dir, "smb.cjs"))}, "utf8")
    const script = new Script("(function (exports, require, module, __filename, __dirname, __importMetaUrl) {" + source + "\\n})", {
      filename: ${JSON.stringify(join(dir, "smb.cjs"))},
      cachedData: readFileSync(${JSON.stringify(join(dir, "smb.cjs.cache"))}).subarray(32)
    })
    process.stdout.write(String(!script.cachedDataRejected))
  `], { encoding: "utf8" })

describe("the smb command's code cache", () => {
  it("is made after a warm run against the fake server, accepted by V8, and larger than one made after --version", async () => {
    // The command as the other CLI tests run it, bundled as published; the other made here.
    const warm = dirname((await bundleCli()).main)
    const scratch = mkdtempSync(join(tmpdir(), "effect-smb-cache-"))
    try {
      const cold = join(scratch, "cold")
      await bundleCommand(cold, { warmup: false })
      expect(readFileSync(join(warm, "smb.cjs")).equals(readFileSync(join(cold, "smb.cjs")))).toBe(true)
      expect(accepted(warm)).toBe("true")
      expect(accepted(cold)).toBe("true")
      // The functions compiled while connecting and listing are in it: ~1.5 MB against ~1.2 MB.
      expect(statSync(join(warm, "smb.cjs.cache")).size).toBeGreaterThan(statSync(join(cold, "smb.cjs.cache")).size * 1.1)
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 60_000)
})
