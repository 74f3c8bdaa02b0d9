/** Share-relative paths: user form to wire form (MS-SMB2 2.2.13: no leading separator, "\\" between components). */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { fromWirePath, joinPath, localTemporaryPath, temporaryPath, toWirePath } from "../../src/client/internal/path.js"

describe("paths", () => {
  it("converts separators and drops leading, trailing, doubled and '.' segments", () => {
    expect(toWirePath("docs/a.txt")).toBe("docs\\a.txt")
    expect(toWirePath("/docs//sub\\a.txt/")).toBe("docs\\sub\\a.txt")
    expect(toWirePath("./docs/./a")).toBe("docs\\a")
    expect(toWirePath("")).toBe("")
    expect(toWirePath("/")).toBe("")
    expect(toWirePath("\\\\")).toBe("")
    expect(fromWirePath("docs\\sub\\a.txt")).toBe("docs/sub/a.txt")
  })

  it("joins a directory and a name", () => {
    expect(joinPath("", "a.txt")).toBe("a.txt")
    expect(joinPath("/docs/", "a.txt")).toBe("docs/a.txt")
    expect(joinPath("docs", "sub\\a.txt")).toBe("docs/sub/a.txt")
    expect(joinPath("docs", "")).toBe("docs")
  })

  const segment = FastCheck.stringMatching(/^[a-z. ]{0,4}$/)
  const separator = FastCheck.constantFrom("/", "\\", "//", "\\/")
  const path = FastCheck.tuple(FastCheck.array(FastCheck.tuple(separator, segment), { maxLength: 6 }), FastCheck.boolean())
    .map(([parts, lead]) => parts.map(([sep, seg], i) => (i === 0 && !lead ? seg : sep + seg)).join(""))

  it.prop(
    "the wire form has no '/', no leading or trailing '\\', no empty or '.' segment, and is a fixed point",
    [path],
    ([p]) => {
      const wire = toWirePath(p)
      expect(wire.includes("/")).toBe(false)
      expect(wire.startsWith("\\") || wire.endsWith("\\")).toBe(false)
      if (wire !== "") expect(wire.split("\\").every((s) => s !== "" && s !== ".")).toBe(true)
      expect(toWirePath(wire)).toBe(wire)
      expect(toWirePath(fromWirePath(wire))).toBe(wire)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  // The definition, without toWirePath's shortcut for paths that need no cleaning.
  const reference = (p: string) => p.split(/[\\/]+/).filter((s) => s !== "" && s !== ".").join("\\")

  it.prop("the wire form is the path split on either separator, empty and '.' segments dropped", [path], ([p]) => {
    expect(toWirePath(p)).toBe(reference(p))
    expect(fromWirePath(p)).toBe(reference(p).replaceAll("\\", "/"))
  }, { fastCheck: { seed: 7, numRuns: 500 } })

  it("takes the shortcut only where nothing is dropped", () => {
    for (const p of ["a/b.txt", "a/.b/c", "a/../b", "..", "a/b.", " a/ b", "a/./b", "./a", "a/.", "a//b", "/a", "a/", ".", "", "a\\b"]) {
      expect(toWirePath(p)).toBe(reference(p))
    }
  })
})

describe("temporary names", () => {
  it("are hidden beside the destination, hexadecimal, and never repeat within a process", () => {
    const names = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? temporaryPath(`dir\\f.txt`) : localTemporaryPath(`/tmp/dir/f.txt`)))
    for (const [i, name] of names.entries()) {
      expect(name).toMatch(i % 2 === 0 ? /^dir\\\.f\.txt\.smb-[0-9a-f]+\.part$/ : /^\/tmp\/dir\/\.f\.txt\.smb-[0-9a-f]+\.part$/)
    }
    expect(new Set(names.map((name) => name.slice(name.lastIndexOf(".smb-")))).size).toBe(names.length)
  })
})
