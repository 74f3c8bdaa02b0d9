/**
 * The tree operations' synchronous small-file reads and writes (src/client/internal/localFile.ts):
 * a file replaced whole through a temporary file renamed over it (a hard link to the old one
 * keeps the old content), nothing left behind when the rename fails, and failures typed as the
 * platform's FileSystem types them; a local directory listed with its entries stat'ed (links followed).
 */
import { expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { listLocalDirectory, localDirectoryKey, readSmallFile, replaceSmallFile } from "../../src/client/internal/localFile.js"

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

it.scoped("listLocalDirectory: files with their sizes, directories with their device and inode, links followed, the rest 'Other'", () =>
  Effect.gen(function*() {
    const dir = yield* scratch
    writeFileSync(join(dir, "a.bin"), new Uint8Array(4096))
    writeFileSync(join(dir, "empty"), "")
    mkdirSync(join(dir, "sub"))
    symlinkSync(join(dir, "a.bin"), join(dir, "to-a"))
    symlinkSync(join(dir, "sub"), join(dir, "to-sub"))
    execFileSync("mkfifo", [join(dir, "fifo")])
    const entries = (yield* listLocalDirectory(`${dir}/`)).sort((x, y) => x.name.localeCompare(y.name))
    const sub = statSync(join(dir, "sub"))
    expect(entries).toEqual([
      { name: "a.bin", type: "File", size: 4096 },
      { name: "empty", type: "File", size: 0 },
      { name: "fifo", type: "Other" },
      { name: "sub", type: "Directory", key: `${sub.dev}:${sub.ino}` },
      { name: "to-a", type: "File", size: 4096 },
      { name: "to-sub", type: "Directory", key: `${sub.dev}:${sub.ino}` }
    ])
    expect(yield* localDirectoryKey(join(dir, "sub"))).toBe(`${sub.dev}:${sub.ino}`)
  }))

it.scoped("listLocalDirectory fails as the platform's readDirectory or stat would, naming what failed", () =>
  Effect.gen(function*() {
    const dir = yield* scratch
    const missing = yield* Effect.flip(listLocalDirectory(join(dir, "absent")))
    expect(missing).toMatchObject({ _tag: "SystemError", reason: "NotFound", method: "readDirectory", pathOrDescriptor: join(dir, "absent") })
    writeFileSync(join(dir, "file"), "x")
    const notDirectory = yield* Effect.flip(listLocalDirectory(join(dir, "file")))
    expect(notDirectory).toMatchObject({ _tag: "SystemError", reason: "BadResource", method: "readDirectory" })
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"))
    const dangling = yield* Effect.flip(listLocalDirectory(dir))
    expect(dangling).toMatchObject({ _tag: "SystemError", reason: "NotFound", method: "stat", pathOrDescriptor: join(dir, "dangling") })
    const noKey = yield* Effect.flip(localDirectoryKey(join(dir, "absent")))
    expect(noKey).toMatchObject({ _tag: "SystemError", reason: "NotFound", method: "stat" })
  }))
