/**
 * Folder operations on a real Samba smbd: a nested tree of a few dozen files (small ones, one
 * larger than a single WRITE, an empty file, an empty directory) uploaded, walked, downloaded and
 * removed, with the SHA-256 of every file compared on the server's disk and locally; the same on
 * the single worker; a walk over a 10,000-entry folder through runFold (removing that many files
 * over SMB takes tens of seconds on a loaded machine: scripts/bench.ts measures it); and the typed
 * error that names the path that failed.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import * as Folders from "../../src/client/Folders.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

const localDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-folders-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

/** Every file below `root` (relative path -> SHA-256), and every directory (relative path). */
const snapshot = (root: string) => {
  const files = new Map<string, string>()
  const directories: Array<string> = []
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        directories.push(relative(root, path))
        visit(path)
      } else files.set(relative(root, path), sha256(readFileSync(path)))
    }
  }
  visit(root)
  return { files: Object.fromEntries([...files].sort()), directories: directories.sort() }
}

/**
 * A local tree: 3 levels, 36 files of uneven sizes (one empty, one of 1.5 MiB: more than one
 * small-file transfer), an empty directory, a name with a space and one with non-ASCII letters.
 */
const makeTree = (root: string) => {
  let n = 0
  const file = (path: string, size: number) => {
    writeFileSync(join(root, path), seededBytes(size, `folders ${path}`))
    n++
  }
  for (const top of ["a", "b", "c d"]) {
    mkdirSync(join(root, top, "deep", "deeper"), { recursive: true })
    for (let i = 0; i < 5; i++) file(`${top}/f${i}.bin`, 100 + i * 997)
    for (let i = 0; i < 4; i++) file(`${top}/deep/g${i}.bin`, 4096)
    file(`${top}/deep/deeper/h.bin`, 10)
    file(`${top}/deep/deeper/ünï.txt`, 33)
  }
  file("root.txt", 0)
  file("big.bin", 1536 * 1024 + 7)
  mkdirSync(join(root, "empty"))
  return n
}

const roundTrip = (server: SambaInstance, options: Partial<ConnectionOptions>) =>
  Effect.gen(function*() {
    const { tree } = yield* scenario(server, options)
    const local = yield* localDir
    const source = join(local, "source")
    mkdirSync(source)
    const count = makeTree(source)
    const expected = snapshot(source)
    const remote = `${fresh("tree")}/nested/target`
    const progress: Array<Folders.Progress> = []

    const up = yield* Folders.upload(tree, source, remote, { onProgress: (p) => Effect.sync(() => progress.push(p)) })
    const bytes = Object.keys(expected.files).reduce((sum, path) => sum + statSync(join(source, path)).size, 0)
    // directories: the target and the 10 below it
    expect(up).toEqual({ files: count, directories: expected.directories.length + 1, bytes })
    expect(snapshot(join(server.sharePath, remote))).toEqual(expected)
    expect(progress.length).toBe(count + expected.directories.length + 1)
    expect(progress.at(-1)).toMatchObject({ files: count, bytes })

    // Uploading again replaces the files in place.
    expect((yield* Folders.upload(tree, source, remote)).files).toBe(count)
    expect(snapshot(join(server.sharePath, remote))).toEqual(expected)

    const walked = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.walk(tree, remote)))
    expect(walked.filter((e) => !e.isDirectory).map((e) => e.path).sort()).toEqual(
      Object.keys(expected.files).map((path) => `${remote}/${path}`).sort()
    )
    expect(walked.filter((e) => e.isDirectory).map((e) => e.path).sort()).toEqual(expected.directories.map((path) => `${remote}/${path}`))
    // Breadth-first: no entry comes after a deeper one.
    const depths = walked.map((e) => e.path.split("/").length)
    expect(depths).toEqual([...depths].sort((x, y) => x - y))
    const shallow = yield* Stream.runCollect(Files.walk(tree, remote, { maxDepth: 1 }))
    expect(Chunk.size(shallow)).toBe(6)

    const copy = join(local, "copy", "here")
    const down = yield* Folders.download(tree, remote, copy)
    expect(down).toEqual({ files: count, directories: expected.directories.length + 1, bytes })
    expect(snapshot(copy)).toEqual(expected)

    const removed = yield* Folders.remove(tree, remote)
    expect(removed).toEqual({ files: count, directories: expected.directories.length + 1, bytes: 0 })
    expect(existsSync(join(server.sharePath, remote))).toBe(false)
    expect(existsSync(join(server.sharePath, remote, ".."))).toBe(true)
  }).pipe(Effect.provide(NodeFileSystem.layer))

describeSamba("Samba: folder operations", (servers) => {
  it.scopedLive("a nested tree: upload, walk, download, remove, every file's checksum compared", () =>
    roundTrip(servers.default, {}), 60_000)

  it.scopedLive("the same on the single worker (one request at a time)", () =>
    roundTrip(servers.default, { worker: "single" }), 60_000)

  it.scopedLive("walk over a 10,000-entry folder runs through runFold, in chunks of at most 1,024", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("wide-walk")
      const onDisk = join(server.sharePath, dir)
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(onDisk, { recursive: true, force: true })))
      mkdirSync(join(onDisk, "sub"), { recursive: true })
      const count = 10_000
      for (let i = 0; i < count; i++) writeFileSync(join(onDisk, `f${i}`), "")
      writeFileSync(join(onDisk, "sub", "inner"), "x")
      let largest = 0
      const walked = Files.walk(tree, dir).pipe(Stream.mapChunks((chunk) => {
        largest = Math.max(largest, chunk.length)
        return chunk
      }))
      expect(yield* Stream.runFold(walked, 0, (n) => n + 1)).toBe(count + 2)
      expect(largest).toBeLessThanOrEqual(1024)
    }), 60_000)

  it.scopedLive("a failure names the path: a remote file where the tree has a directory; a missing folder", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const local = yield* localDir
      mkdirSync(join(local, "sub"))
      writeFileSync(join(local, "sub", "x.txt"), "x")
      const remote = fresh("clash")
      mkdirSync(join(server.sharePath, remote))
      writeFileSync(join(server.sharePath, remote, "sub"), "a file, not a directory")
      const error = yield* Effect.flip(Folders.upload(tree, local, remote))
      expect(error).toBeInstanceOf(Folders.FolderError)
      expect(error).toMatchObject({ share: server.share })
      expect(error.path.startsWith(`${remote}/sub`)).toBe(true)
      expect(error.message).toContain(`${server.share}/${remote}/sub`)

      const missing = yield* Effect.flip(Folders.download(tree, `${remote}/nope`, join(local, "down")))
      expect(missing).toMatchObject({ _tag: "FolderError", reason: "List", path: `${remote}/nope` })
      expect(missing.cause).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_NOT_FOUND" })
      const gone = yield* Effect.flip(Folders.remove(tree, `${remote}/nope`))
      expect(gone).toMatchObject({ _tag: "FolderError", reason: "Remove", path: `${remote}/nope` })
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)
})
