/**
 * The README's code samples are the programs in examples/ (which typecheck with the project):
 * every ```ts block must be byte-identical to the file its first line names. And the testing
 * example, which needs no server, must run and show what it claims.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { program } from "../examples/testing.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(`${root}README.md`, "utf8")
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)
const examples = readdirSync(`${root}examples`).filter((name) => name.endsWith(".ts"))

describe("README code samples", () => {
  it("has ts blocks", () => {
    expect(blocks.length).toBeGreaterThan(0)
  })

  for (const [i, block] of blocks.entries()) {
    const named = /^\/\/ (examples\/[\w.-]+\.ts)\n/.exec(block)?.[1]
    it(`block ${i + 1} (${named ?? "unnamed"}) is its example file, byte for byte`, () => {
      expect(named, "the block's first line must name its file: // examples/<name>.ts").toBeDefined()
      expect(block).toBe(readFileSync(`${root}${named}`, "utf8"))
    })
  }

  it("every example starts with the comment that names it", () => {
    for (const name of examples) {
      expect(readFileSync(`${root}examples/${name}`, "utf8").startsWith(`// examples/${name}\n`)).toBe(true)
    }
  })
})

describe("examples/testing.ts", () => {
  it.live("runs against the fake server", () =>
    Effect.gen(function*() {
      const result = yield* program.pipe(Effect.timeout("10 seconds"))
      expect(result.manyInFlight).toBe(100)
      expect(result.refused).toBe("STATUS_NOT_SUPPORTED")
      expect(result.scripted).toEqual({ fast: 1n, slow: 0n, slowWasAsync: true })
    }))
})
