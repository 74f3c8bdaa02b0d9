/**
 * File operations beyond reading and writing, against a real Samba smbd:
 * - byte-range locks, between two connections each with its own open of the file (a lock lives as
 *   long as its Scope; a conflict is a typed ServerError at once, or, asked to wait, a pending
 *   LOCK that completes when the range is freed, or is cancelled when interrupted), and errors
 *   that name the file;
 * - an upload over an existing file that does not complete (the old content stays), and a
 *   download over an existing local file (the same on the local side);
 * - the volume's size (Files.statfs) against the local file system's.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, readFileSync, statfsSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined)

describeSamba("Samba: byte-range locks", (servers) => {
  it.scopedLive("an exclusive lock refuses a second lock and the other open's reads of its range, until its Scope closes", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = fresh("lock")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      yield* Files.writeFile(a.tree, name, new Uint8Array(4096).fill(1))
      const mine = yield* File.open(a.tree, name, { access: "readWrite" })
      const theirs = yield* File.open(b.tree, name, { access: "readWrite" })

      const held = yield* Scope.make()
      yield* mine.lock(0, 1024).pipe(Scope.extend(held))
      expect(failureOf(yield* Effect.exit(Effect.scoped(theirs.lock(512, 10))))).toMatchObject({
        _tag: "ServerError",
        reason: "STATUS_LOCK_NOT_GRANTED"
      })
      const conflict = failureOf(yield* Effect.exit(theirs.read(0, 100)))
      expect(conflict).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_LOCK_CONFLICT", share: server.share, path: name })
      // errors name what failed, in a user's words
      expect(conflict?.message).toBe(`cannot read '${server.share}/${name}': STATUS_FILE_LOCK_CONFLICT (0xc0000054)`)
      const missing = failureOf(yield* Effect.exit(Files.readFile(b.tree, `${name}.missing/x.txt`)))
      expect(missing?.message).toBe(`cannot open '${server.share}/${name}.missing/x.txt': STATUS_OBJECT_PATH_NOT_FOUND (0xc000003a)`)
      // outside the range nothing is held
      expect((yield* theirs.read(2048, 100)).length).toBe(100)
      yield* Effect.scoped(theirs.lock(2048, 100))

      yield* Scope.close(held, Exit.void)
      yield* Effect.scoped(theirs.lock(512, 10))
      expect((yield* theirs.read(0, 100)).length).toBe(100)
      yield* Files.remove(a.tree, name)
    }))

  it.scopedLive("shared locks admit each other; a waiting exclusive lock is granted once they are released", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = fresh("lock-wait")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      yield* Files.writeFile(a.tree, name, new Uint8Array(100))
      const mine = yield* File.open(a.tree, name, { access: "readWrite" })
      const theirs = yield* File.open(b.tree, name, { access: "readWrite" })

      const held = yield* Scope.make()
      yield* mine.lock(0, 100, { shared: true }).pipe(Scope.extend(held))
      yield* Effect.scoped(theirs.lock(0, 100, { shared: true }))

      const waiting = yield* Effect.fork(Effect.scoped(theirs.lock(0, 100, { wait: true })))
      yield* Effect.sleep("300 millis")
      expect(waiting.unsafePoll()).toBeNull()
      yield* Scope.close(held, Exit.void)
      yield* Fiber.join(waiting)

      // a wait that is interrupted is cancelled: the range is free afterwards
      const blocker = yield* Scope.make()
      yield* mine.lock(0, 100).pipe(Scope.extend(blocker))
      const interrupted = yield* Effect.fork(Effect.scoped(theirs.lock(0, 100, { wait: true })))
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(interrupted)
      yield* Scope.close(blocker, Exit.void)
      yield* Effect.scoped(theirs.lock(0, 100))
      expect((yield* b.connection.handler.stats).inFlight).toBe(0)
      yield* Files.remove(a.tree, name)
    }))
})

describeSamba("Samba: a download over an existing local file loses nothing when it fails", (servers) => {
  it.scopedLive("a read refused mid-way keeps the old local file and leaves no temporary one; a complete one replaces it; inPlace writes into it", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = fresh("download-safe")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      const size = 3 * 1024 * 1024
      yield* Files.writeFile(a.tree, name, new Uint8Array(size).fill(7))
      const dir = mkdtempSync(join(tmpdir(), "esmb-download-"))
      const local = join(dir, "copy.bin")
      writeFileSync(local, "the old content")
      const download = (options?: Files.DownloadOptions) =>
        Effect.exit(Files.download(b.tree, name, local, { chunkSize: 65536, ...options }).pipe(Effect.provide(NodeFileSystem.layer)))

      // Another open holds the file's last MiB: the download's reads of it are refused.
      const held = yield* Scope.make()
      const mine = yield* File.open(a.tree, name, { access: "readWrite" })
      yield* mine.lock(size - 1024 * 1024, 1024 * 1024).pipe(Scope.extend(held))
      expect(failureOf(yield* download())).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_LOCK_CONFLICT" })
      expect(readFileSync(local, "utf8")).toBe("the old content")
      expect(readdirSync(dir)).toEqual(["copy.bin"])
      expect(failureOf(yield* download({ inPlace: true }))).toMatchObject({ reason: "STATUS_FILE_LOCK_CONFLICT" })
      expect(readFileSync(local, "utf8")).not.toBe("the old content")

      yield* Scope.close(held, Exit.void)
      expect(yield* download()).toEqual(Exit.succeed(size))
      expect(readFileSync(local).equals(Buffer.alloc(size, 7))).toBe(true)
      expect(readdirSync(dir)).toEqual(["copy.bin"])
      yield* Files.remove(a.tree, name)
    }))
})

describeSamba("Samba: an upload over an existing file loses nothing when it does not complete", (servers) => {
  it.scopedLive("an interrupted upload keeps the old content; a complete one replaces it whole; inPlace writes into it; no temporary file stays", () =>
    Effect.gen(function*() {
      const server = servers.default
      const dir = fresh("upload-safe")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      yield* Files.mkdir(a.tree, dir)
      const target = `${dir}/data.bin`
      const old = new Uint8Array(10_000).fill(1)
      yield* Files.writeFile(a.tree, target, old)
      const local = join(mkdtempSync(join(tmpdir(), "effect-smb-upload-")), "new.bin")
      writeFileSync(local, new Uint8Array(5_000).fill(2))
      const upload = (options?: Files.UploadOptions) => Files.upload(b.tree, local, target, options).pipe(Effect.provide(NodeFileSystem.layer))

      // an upload interrupted half-way (a dropped connection, Ctrl-C) leaves the old file whole
      writeFileSync(local, new Uint8Array(64 << 20).fill(2))
      const interrupted = yield* Effect.fork(upload())
      const started = () => readdirSync(join(server.sharePath, dir)).some((name) => name.endsWith(".part"))
      for (let i = 0; i < 500 && !started(); i++) yield* Effect.sleep("10 millis")
      expect(started()).toBe(true)
      yield* Fiber.interrupt(interrupted)
      expect(readFileSync(join(server.sharePath, target))).toEqual(Buffer.from(old))
      expect(readdirSync(join(server.sharePath, dir))).toEqual(["data.bin"])

      writeFileSync(local, new Uint8Array(5_000).fill(2))
      expect(yield* upload()).toBe(5_000)
      expect(readFileSync(join(server.sharePath, target))).toEqual(Buffer.alloc(5_000, 2))
      writeFileSync(local, new Uint8Array(100).fill(3))
      expect(yield* upload({ inPlace: true, disposition: "openIf" })).toBe(100)
      expect(readFileSync(join(server.sharePath, target))).toEqual(Buffer.concat([Buffer.alloc(100, 3), Buffer.alloc(4_900, 2)]))
      expect(readdirSync(join(server.sharePath, dir))).toEqual(["data.bin"])
    }))
})

describeSamba("Samba: the volume's size", (servers) => {
  it.scopedLive("Files.statfs reports the size and free space of the file system behind the share", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const size = yield* Files.statfs(tree)
      const local = statfsSync(server.sharePath)
      expect(size.totalBytes).toBe(local.blocks * local.bsize)
      expect(size.availableBytes).toBeGreaterThan(0)
      expect(size.availableBytes).toBeLessThanOrEqual(size.freeBytes)
      // Samba reports the space an unprivileged user may still use (statfs's bavail) as free
      expect(Math.abs(size.freeBytes - local.bavail * local.bsize)).toBeLessThan(64 * 1024 * 1024)
    }))
})
