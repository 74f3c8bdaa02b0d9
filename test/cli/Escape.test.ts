/**
 * Server-supplied names made safe to print (src/cli/Escape.ts): text output escapes control and
 * bidi characters, JSON output escapes what JSON.stringify leaves raw, and both tell the name.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Escape from "../../src/cli/Escape.js"

// Nothing a terminal acts on: no C0, DEL, C1 or bidi control.
const inert = /^[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/

describe("Escape.text", () => {
  it("escapes C0, DEL, C1 and bidi controls, and the backslash", () => {
    expect(Escape.text("\x1b[31mred\nline")).toBe("\\x1b[31mred\\nline")
    expect(Escape.text("a\tb\rc\x00d\x7fe\x9bf\\g")).toBe("a\\tb\\rc\\x00d\\x7fe\\x9bf\\\\g")
    expect(Escape.text("photo\u202egpj.exe")).toBe("photo\\u202egpj.exe")
    expect(Escape.text("\u2066\u2069\u200e\u061c")).toBe("\\u2066\\u2069\\u200e\\u061c")
  })

  it("leaves other text alone, accents, CJK and emoji included", () => {
    expect(Escape.text("Résumé 報告 🎉 [1].txt")).toBe("Résumé 報告 🎉 [1].txt")
  })

  it("keeps names apart that would print alike if the backslash were left as is", () => {
    expect(Escape.text("\\x1b")).toBe("\\\\x1b")
    expect(Escape.text("\\x1b")).not.toBe(Escape.text("\x1b"))
  })

  it.prop("prints nothing a terminal acts on", [FastCheck.string({ unit: "binary" })], ([name]) => {
    expect(Escape.text(name)).toMatch(inert)
  }, { fastCheck: { seed: 7, numRuns: 500 } })
})

describe("Escape.json", () => {
  it.prop("is JSON that reads back the same, with no raw control character", [FastCheck.string({ unit: "binary" })], ([name]) => {
    const line = Escape.json({ name, path: `dir/${name}` })
    expect(line).toMatch(inert)
    expect(JSON.parse(line)).toEqual({ name, path: `dir/${name}` })
  }, { fastCheck: { seed: 7, numRuns: 500 } })

  it("escapes DEL, C1 and bidi controls that JSON.stringify leaves raw", () => {
    expect(JSON.stringify("\x7f\x9b\u202e")).toBe("\"\x7f\x9b\u202e\"")
    expect(Escape.json("\x7f\x9b\u202e\x1b")).toBe("\"\\u007f\\u009b\\u202e\\u001b\"")
  })
})
