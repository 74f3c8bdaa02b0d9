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
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import * as Folders from "../../src/client/Folders.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "./scenario.js"
import { snapshot } from "../support/treeSnapshot.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

const localDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-folders-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

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

  it.scopedLive("download replaces each local file by a rename: old hard links keep their content, no temporary file stays", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const local = yield* localDir
      const remote = fresh("replace")
      mkdirSync(join(server.sharePath, remote, "sub"), { recursive: true })
      writeFileSync(join(server.sharePath, remote, "a.txt"), "new a")
      writeFileSync(join(server.sharePath, remote, "sub", "b.txt"), "new b")
      const copy = join(local, "copy")
      mkdirSync(join(copy, "sub"), { recursive: true })
      // Written in place, a.txt would change its other name too.
      writeFileSync(join(local, "kept.txt"), "old content, longer than the new")
      linkSync(join(local, "kept.txt"), join(copy, "a.txt"))
      writeFileSync(join(copy, "sub", "b.txt"), "old content, longer than the new")

      expect((yield* Folders.download(tree, remote, copy)).files).toBe(2)
      expect(readFileSync(join(copy, "a.txt"), "utf8")).toBe("new a")
      expect(readFileSync(join(copy, "sub", "b.txt"), "utf8")).toBe("new b")
      expect(readFileSync(join(local, "kept.txt"), "utf8")).toBe("old content, longer than the new")
      expect(snapshot(copy).files).toEqual({ "a.txt": sha256(Buffer.from("new a")), "sub/b.txt": sha256(Buffer.from("new b")) })
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)

  it.scopedLive("an interrupted or failed download leaves only whole files under their names, and no temporary file", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const other = yield* scenario(server, {})
      const local = yield* localDir
      const remote = fresh("interrupted")
      const count = 300
      const content = (i: number) => seededBytes(1000 + (i % 7) * 3000, `interrupted ${i}`)
      for (const dir of ["x", "y"]) {
        mkdirSync(join(server.sharePath, remote, dir), { recursive: true })
        for (let i = 0; i < count / 2; i++) writeFileSync(join(server.sharePath, remote, dir, `f${i}`), content(i))
      }
      // Every local file present must be a whole copy of its remote one.
      const checkWhole = (root: string) => {
        const { files } = snapshot(root)
        for (const [path, hash] of Object.entries(files)) {
          expect(path).not.toMatch(/\.part$/)
          expect(hash).toBe(sha256(content(Number(path.split("/").pop()!.slice(1)))))
        }
        return Object.keys(files).length
      }

      const copy = join(local, "copy")
      const started = yield* Deferred.make<void>()
      const running = yield* Effect.fork(Folders.download(tree, remote, copy, {
        onProgress: (p) => p.files >= 40 ? Deferred.succeed(started, undefined) : Effect.void
      }))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(running)
      const copied = checkWhole(copy)
      expect(copied).toBeGreaterThanOrEqual(40)
      expect(copied).toBeLessThan(count)

      // A file another client holds open with no sharing fails the download; the rest stay whole.
      yield* File.open(other.tree, `${remote}/y/f3`, { access: "read", share: "none" })
      const failed = yield* Effect.flip(Folders.download(tree, remote, join(local, "again")))
      expect(failed).toMatchObject({ _tag: "FolderError", reason: "Download", path: `${remote}/y/f3` })
      checkWhole(join(local, "again"))
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)

  it.scopedLive("remove clears a read-only attribute the server refuses the delete for (files and directories)", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const remote = fresh("readonly")
      // made through Samba, so that its user owns them
      yield* Files.mkdir(tree, `${remote}/sub`, { recursive: true })
      for (const path of ["a.txt", "sub/b.txt", "sub/c.txt"]) yield* Files.writeFile(tree, `${remote}/${path}`, new TextEncoder().encode(path))
      for (const path of ["a.txt", "sub/b.txt", "sub"]) yield* Files.setAttributes(tree, `${remote}/${path}`, { readOnly: true })
      // The server does refuse them as they are.
      const refused = yield* Effect.flip(Files.remove(tree, `${remote}/a.txt`))
      expect(refused).toMatchObject({ _tag: "ServerError", reason: "STATUS_CANNOT_DELETE" })

      expect(yield* Folders.remove(tree, remote)).toEqual({ files: 3, directories: 2, bytes: 0 })
      expect(existsSync(join(server.sharePath, remote))).toBe(false)
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
