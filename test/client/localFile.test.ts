/**
 * The tree operations' synchronous small-file reads and writes (src/client/internal/localFile.ts):
 * a file replaced whole through a temporary file renamed over it (a hard link to the old one
 * keeps the old content), nothing left behind when the rename fails, and failures typed as the
 * platform's FileSystem types them.
 */
import { expect, it } from "@effect/vitest"
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { readSmallFile, replaceSmallFile } from "../../src/client/internal/localFile.js"

const scratch = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-localfile-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

it.scoped("replaceSmallFile writes a new file and replaces an old one by a rename; readSmallFile reads it back", () =>
  Effect.gen(function*() {
    const dir = yield* scratch
    yield* replaceSmallFile(join(dir, "new.txt"), new TextEncoder().encode("fresh"))
    expect(readFileSync(join(dir, "new.txt"), "utf8")).toBe("fresh")
    writeFileSync(join(dir, "old.txt"), "old and longer")
    linkSync(join(dir, "old.txt"), join(dir, "link.txt"))
    yield* replaceSmallFile(join(dir, "old.txt"), new TextEncoder().encode("new"))
    expect(new TextDecoder().decode(yield* readSmallFile(join(dir, "old.txt")))).toBe("new")
    expect(readFileSync(join(dir, "link.txt"), "utf8")).toBe("old and longer")
    expect(readdirSync(dir).sort()).toEqual(["link.txt", "new.txt", "old.txt"])
  }))

it.scoped("a failed replace leaves no temporary file; failures are SystemErrors with the platform's reasons", () =>
  Effect.gen(function*() {
    const dir = yield* scratch
    // a non-empty directory cannot be renamed over
    mkdirSync(join(dir, "taken", "inside"), { recursive: true })
    const refused = yield* Effect.flip(replaceSmallFile(join(dir, "taken"), new Uint8Array(3)))
    expect(refused).toMatchObject({ _tag: "SystemError", module: "FileSystem", method: "rename", pathOrDescriptor: join(dir, "taken") })
    expect(readdirSync(dir)).toEqual(["taken"])
    const missing = yield* Effect.flip(replaceSmallFile(join(dir, "no", "such"), new Uint8Array(3)))
    expect(missing).toMatchObject({ _tag: "SystemError", reason: "NotFound", method: "writeFile" })
    const absent = yield* Effect.flip(readSmallFile(join(dir, "absent")))
    expect(absent).toMatchObject({ _tag: "SystemError", reason: "NotFound", method: "readFile", pathOrDescriptor: join(dir, "absent") })
    expect(absent.message).toContain("ENOENT")
  }))
