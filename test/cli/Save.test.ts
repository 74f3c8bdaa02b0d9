/**
 * How `smb get` writes locally (src/cli/Save.ts), with a stand-in for the remote file so that a
 * transfer can fail half-way at will: an existing file is replaced only by a complete copy,
 * nothing but the temporary file is ever removed, symbolic links and directories are refused,
 * and devices are written in place. The same, through the real server, is in files.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import { mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { FileHandle } from "../../src/client/File.js"
import { ServerError } from "../../src/errors.js"
import { save } from "../../src/cli/Save.js"
import { fullDevice } from "./devices.js"

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "effect-smb-save-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const readFailed = new ServerError({ reason: "STATUS_CONNECTION_RESET", status: 0xc000020d, command: "READ", messageId: 7n })

/**
 * A remote file of `chunks`, delivered last chunk first (as parallel READs may), failing after
 * `failAfter` chunks when given.
 */
const remote = (chunks: ReadonlyArray<string>, failAfter?: number): FileHandle => {
  const bytes = chunks.map((chunk) => new TextEncoder().encode(chunk))
  const positions = bytes.map((_, i) => bytes.slice(0, i).reduce((sum, b) => sum + b.length, 0))
  const upTo = failAfter ?? bytes.length
  const fail = failAfter === undefined ? Effect.void : Effect.fail(readFailed)
  return {
    readEach: (consume: (chunk: Uint8Array, position: number) => Effect.Effect<void>) =>
      Effect.forEach(bytes.slice(0, upTo).map((b, i) => [b, positions[i]!] as const).reverse(), ([b, at]) => consume(b, at)).pipe(
        Effect.zipRight(fail),
        Effect.as(bytes.reduce((sum, b) => sum + b.length, 0))
      ),
    readStream: () => Stream.concat(Stream.fromChunk(Chunk.fromIterable(bytes.slice(0, upTo))), Stream.fromEffect(fail).pipe(Stream.drain))
  } as unknown as FileHandle
}

const entries = async () => (await readdir(dir)).sort()

describe("Save.save", () => {
  it.effect("writes a new file, chunks at their positions, and leaves no temporary file", () =>
    Effect.gen(function*() {
      const target = join(dir, "new.txt")
      expect(yield* save(remote(["hello ", "wide ", "world"]), target)).toBe(16)
      expect(yield* Effect.promise(() => readFile(target, "utf8"))).toBe("hello wide world")
      expect(yield* Effect.promise(entries)).toEqual(["new.txt"])
      yield* Effect.promise(() => rm(target))
    }))

  it.effect("replaces an existing file only with a complete copy (a new inode)", () =>
    Effect.gen(function*() {
      const target = join(dir, "existing.txt")
      yield* Effect.promise(() => writeFile(target, "old content"))
      const before = yield* Effect.promise(() => stat(target))

      const failed = yield* Effect.exit(save(remote(["new ", "content"], 1), target))
      expect(failed).toEqual(Exit.fail(readFailed))
      const kept = yield* Effect.promise(() => stat(target))
      expect(kept.ino).toBe(before.ino)
      expect(yield* Effect.promise(() => readFile(target, "utf8"))).toBe("old content")
      expect(yield* Effect.promise(entries)).toEqual(["existing.txt"])

      yield* save(remote(["new ", "content"]), target)
      expect(yield* Effect.promise(() => readFile(target, "utf8"))).toBe("new content")
      expect((yield* Effect.promise(() => stat(target))).ino).not.toBe(before.ino)
      expect(yield* Effect.promise(entries)).toEqual(["existing.txt"])
      yield* Effect.promise(() => rm(target))
    }))

  it.live("removes nothing but its temporary file when interrupted half-way", () =>
    Effect.gen(function*() {
      const target = join(dir, "interrupted.txt")
      const stalled = {
        readEach: (consume: (chunk: Uint8Array, position: number) => Effect.Effect<void>) =>
          Effect.zipRight(consume(new TextEncoder().encode("partial"), 0), Effect.never)
      } as unknown as FileHandle
      yield* Effect.promise(() => writeFile(target, "old"))
      const fiber = yield* Effect.fork(save(stalled, target))
      while (!(yield* Effect.promise(entries)).some((name) => name.endsWith(".part"))) yield* Effect.sleep("5 millis")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      expect(yield* Effect.promise(() => readFile(target, "utf8"))).toBe("old")
      expect(yield* Effect.promise(entries)).toEqual(["interrupted.txt"])
      yield* Effect.promise(() => rm(target))
    }))

  it.live("writes a FIFO in place and in order, once a reader opens it", () =>
    Effect.gen(function*() {
      const fifo = join(dir, "pipe")
      yield* Effect.sync(() => execFileSync("mkfifo", [fifo]))
      const [received, bytes] = yield* Effect.all([Effect.promise(() => readFile(fifo, "utf8")), save(remote(["a", "b", "c"]), fifo)], {
        concurrency: 2
      })
      expect([received, bytes]).toEqual(["abc", 3])
      expect((yield* Effect.promise(() => stat(fifo))).isFIFO()).toBe(true)
      expect(yield* Effect.promise(entries)).toEqual(["pipe"])
      yield* Effect.promise(() => rm(fifo))
    }))

  it.effect("refuses a symbolic link and a directory, and changes neither", () =>
    Effect.gen(function*() {
      const pointed = join(dir, "pointed.txt")
      const link = join(dir, "link.txt")
      yield* Effect.promise(() => writeFile(pointed, "elsewhere"))
      yield* Effect.promise(() => symlink(pointed, link))
      const refused = yield* Effect.flip(save(remote(["data"]), link))
      expect(refused).toMatchObject({ _tag: "CliError", reason: "LocalFile" })
      expect(refused.message).toBe(`cannot write ${link}: it is a symbolic link (give the path it points to, or remove the link)`)
      expect(yield* Effect.promise(() => readlink(link))).toBe(pointed)
      expect(yield* Effect.promise(() => readFile(pointed, "utf8"))).toBe("elsewhere")

      const isDirectory = yield* Effect.flip(save(remote(["data"]), dir))
      expect(isDirectory.message).toBe(`cannot write ${dir}: is a directory`)
      expect(yield* Effect.promise(entries)).toEqual(["link.txt", "pointed.txt"])
      yield* Effect.promise(() => Promise.all([rm(link), rm(pointed)]))
    }))

  it.effect("writes a device in place and never removes it, also when the write fails", () =>
    Effect.gen(function*() {
      expect(yield* save(remote(["into ", "the void"]), "/dev/null")).toBe(13)
      const device = fullDevice(dir)
      const full = yield* Effect.flip(save(remote(["no ", "room"]), device))
      expect(full.message).toBe(`cannot write ${device}: no space left on device`)
      for (const path of ["/dev/null", device]) expect((yield* Effect.promise(() => stat(path))).isCharacterDevice()).toBe(true)
      if (device !== "/dev/full") yield* Effect.promise(() => rm(device))
    }))

  it.effect("fails with the local error when the directory does not exist, creating nothing", () =>
    Effect.gen(function*() {
      const target = join(dir, "missing", "file.txt")
      const error = yield* Effect.flip(save(remote(["x"]), target))
      expect(error.message).toBe(`cannot write ${target}: no such file or directory`)
      expect(yield* Effect.promise(entries)).toEqual([])
    }))
})
