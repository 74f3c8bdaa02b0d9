/**
 * Files on a real Samba smbd: put/get/download/upload round trips of more than a window (each
 * dialect, each cipher, the thread worker), listing, stat, rename, delete, truncate, mkdir/rmdir, and an
 * encrypt-required share. Results are checked on the server's disk (`sharePath`) as well as
 * through the client.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import type { CipherName, ConnectionOptions, DialectName } from "../../src/connection/ConnectionOptions.js"
import { threadEntry } from "../connection/subjects.js"
import type { SambaInstance } from "../support/samba/index.js"
import { run } from "../support/samba/exec.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { expectWorker, watchThreads } from "../support/workers.js"
import { scenario } from "./scenario.js"

const MiB = 1024 * 1024
/**
 * Large enough to take more than one transfer window (32 MiB in 8 MiB chunks, 16 MiB in 4 MiB
 * chunks encrypted; 64 KiB chunks on 2.0.2), so buffers are reused within a transfer too. It was
 * 64 MiB, for no further coverage at 1.6 times the time.
 */
const BIG = 40 * MiB
/** The same for encrypted transfers, whose window is 16 MiB in 4 MiB chunks. */
const BIG_ENCRYPTED = 24 * MiB

/** One payload for every round trip, and its digest, made on first use. */
let payload: { readonly data: Uint8Array; readonly digest: string } | undefined
const big = () => {
  if (payload === undefined) {
    const data = seededBytes(BIG, "samba files round trip")
    payload = { data, digest: createHash("sha256").update(data).digest("hex") }
  }
  return payload
}

/** Cuts `data` into pieces of cycling, uneven sizes (tiny ones too), without copying. */
const unevenPieces = (data: Uint8Array): Stream.Stream<Uint8Array> => {
  const sizes = [MiB, 3000, 700 * 1024, 17, 5 * MiB + 3, 64 * 1024]
  const pieces: Array<Uint8Array> = []
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!
    pieces.push(data.subarray(at, at + size))
    at += size
  }
  return Stream.fromIterable(pieces)
}

const sha256File = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

/** A private local directory for downloads, removed with the test's scope. */
const localDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-download-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

let counter = 0
/** A fresh directory name per test, so files never collide across tests and runs. */
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

/**
 * `streams` moves the data up and down once (writeStream, readStream); `all` adds the paths that
 * hand frames back to the pool (download and readFile twice each, upload).
 */
const roundTrip = (
  server: SambaInstance,
  options: Partial<ConnectionOptions>,
  label: string,
  size = BIG,
  paths: "all" | "streams" = "all"
) =>
  Effect.gen(function*() {
    const whole = big()
    const data = size === BIG ? whole.data : whole.data.subarray(0, size)
    const digest = size === BIG ? whole.digest : createHash("sha256").update(data).digest("hex")
    const threads = yield* watchThreads
    const { connection, session, tree } = yield* scenario(server, options)
    const kind = options.worker === "thread" ? "parallel-thread" : options.worker === "single" ? "single" : "parallel-fiber"
    yield* expectWorker(connection.handler, kind, threads)
    if (options.maxDialect !== undefined) expect(connection.negotiated.dialect).toBe(options.maxDialect)
    if (options.ciphers !== undefined) {
      expect(connection.negotiated.encryption).toBe(options.ciphers[0])
      expect(session.encrypted).toBe(true)
    }
    const name = `${fresh(label)}.bin`
    const started = performance.now()
    const written = yield* Files.writeStream(tree, name, unevenPieces(data))
    const put = performance.now()
    expect(written).toBe(size)
    expect(sha256File(join(server.sharePath, name))).toBe(digest)
    const hash = createHash("sha256")
    let received = 0
    const beforeGet = performance.now()
    yield* Files.readStream(tree, name).pipe(
      Stream.runForEach((chunk) => Effect.sync(() => {
        hash.update(chunk)
        received += chunk.length
      }))
    )
    const get = performance.now()
    expect(received).toBe(size)
    expect(hash.digest("hex")).toBe(digest)
    if (paths === "all") {
      // The paths that hand frames back to the pool, twice each, so that reused buffers are
      // checked too: a frame reused while its data was still needed would change the digest.
      const local = join(yield* localDir, name)
      for (let i = 0; i < 2; i++) {
        expect(yield* Files.download(tree, name, local).pipe(Effect.provide(NodeFileSystem.layer))).toBe(size)
        expect(sha256File(local)).toBe(digest)
        expect(createHash("sha256").update(yield* Files.readFile(tree, name)).digest("hex")).toBe(digest)
      }
      // And back up from the local copy, through buffers reused from chunk to chunk.
      expect(yield* Files.upload(tree, local, `${name}.up`).pipe(Effect.provide(NodeFileSystem.layer))).toBe(size)
      expect(sha256File(join(server.sharePath, `${name}.up`))).toBe(digest)
      yield* Files.remove(tree, `${name}.up`)
    }
    yield* Files.remove(tree, name)
    expect(existsSync(join(server.sharePath, name))).toBe(false)
    yield* expectWorker(connection.handler, kind, threads)
    const rate = (ms: number) => (size / MiB / (ms / 1000)).toFixed(0)
    // SMB_TIMINGS=1 prints the put and get rates (the get includes hashing)
    if (process.env.SMB_TIMINGS !== undefined) process.stderr.write(`${label}: put ${(put - started).toFixed(0)} ms (${rate(put - started)} MiB/s), get ${(get - beforeGet).toFixed(0)} ms (${rate(get - beforeGet)} MiB/s)\n`)
  })

describeSamba("Samba: files", (servers) => {
  for (const dialect of ["2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"] as ReadonlyArray<DialectName>) {
    // Each dialect's round trip is a few chunks; spanning more than one window (and buffers reused
    // within a transfer) is 3.1.1's, the ciphers' and the thread worker's below. 2.0.2 moves 64 KiB
    // per request: 12 MiB spans its window (128 credits of 64 KiB) too.
    // The pooled paths run on 2.0.2 (one credit per request) and 3.1.1; 2.1 to 3.0.2 move their
    // data as those do, by the same code, and go up and down once.
    const size = dialect === "3.1.1" ? BIG : 12 * MiB
    const paths = dialect === "2.0.2" || dialect === "3.1.1" ? "all" : "streams"
    it.scopedLive(`${size / MiB} MiB put/get round trip: ${dialect}${paths === "all" ? ", every path" : ""}`, () =>
      roundTrip(servers.default, { minDialect: dialect, maxDialect: dialect }, `rt-${dialect}`, size, paths), 120_000)
  }

  // Every cipher moves more than a window each way; the pooled paths, which decrypt the same way
  // whatever the cipher, go with the one most servers choose (and with the thread worker's below).
  for (const cipher of ["AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"] as ReadonlyArray<CipherName>) {
    const paths = cipher === "AES-128-GCM" ? "all" : "streams"
    it.scopedLive(`24 MiB put/get round trip, encrypted: ${cipher}${paths === "all" ? ", every path" : ""}`, () =>
      roundTrip(servers.encrypt, { ciphers: [cipher] }, `rt-${cipher}`, BIG_ENCRYPTED, paths), 120_000)
  }

  // Decrypted in place in the thread's pooled frames, which the downloads send back to the thread.
  it.scopedLive("24 MiB put/get round trip, encrypted, thread worker", () =>
    Effect.flatMap(threadEntry, (entry) =>
      roundTrip(servers.encrypt, { ciphers: ["AES-128-GCM"], worker: "thread", threadEntry: entry }, "rt-thread", BIG_ENCRYPTED)), 120_000)

  // Signed in the thread, sent in clear: each body goes back to this thread's pool once the
  // socket has written it, and the upload fills its next chunks there.
  it.scopedLive("40 MiB put/get round trip, signed, thread worker", () =>
    Effect.flatMap(threadEntry, (entry) =>
      roundTrip(servers.default, { signing: "required", worker: "thread", threadEntry: entry }, "rt-thread-signed")), 120_000)

  // One request at a time: a transfer of several chunks must not put two in flight on it (it
  // read the second READ's answer while waiting for the first: "expected message id 6, received
  // message id 70"). 4 MiB chunks when encrypted, 8 MiB otherwise.
  it.scopedLive("6 MiB put/get round trip, encrypted share, single worker", () => {
    const server = servers["share-encrypt"]
    return roundTrip({ ...server, share: server.encShare!, sharePath: server.encSharePath! }, { worker: "single" }, "rt-single-enc", 6 * MiB)
  }, 120_000)

  it.scopedLive("20 MiB put/get round trip, single worker", () =>
    roundTrip(servers.default, { worker: "single" }, "rt-single", 20 * MiB), 120_000)

  it.scopedLive("writeFile / readFile / stat on a small file", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("small")
      yield* Files.mkdir(tree, dir)
      const path = `/${dir}/hello.txt`
      const data = new TextEncoder().encode("hello, smb")
      const before = Date.now()
      yield* Files.writeFile(tree, path, data)
      expect(readFileSync(join(server.sharePath, dir, "hello.txt"), "utf8")).toBe("hello, smb")
      expect(new TextDecoder().decode(yield* Files.readFile(tree, path))).toBe("hello, smb")
      const info = yield* Files.stat(tree, path)
      expect(info.size).toBe(data.length)
      expect(info.isDirectory).toBe(false)
      expect(Math.abs(info.lastWriteTime.getTime() - before)).toBeLessThan(60_000)
      const dirInfo = yield* Files.stat(tree, dir)
      expect(dirInfo.isDirectory).toBe(true)
      expect(yield* Files.exists(tree, path)).toBe(true)
      expect(yield* Files.exists(tree, `${dir}/nope`)).toBe(false)
      const missing = yield* Effect.flip(Files.readFile(tree, `${dir}/nope`))
      expect(missing).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_NOT_FOUND" })
    }))

  it.scopedLive("listing: files and a subdirectory", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("list")
      const onDisk = join(server.sharePath, dir)
      mkdirSync(join(onDisk, "sub"), { recursive: true })
      const names = ["a.txt", "b.bin", "with space.txt", "ünïcode.txt"]
      names.forEach((name, i) => writeFileSync(join(onDisk, name), Buffer.alloc(i * 1000, i)))
      const entries = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, dir)))
      const byName = new Map(entries.map((e) => [e.name, e]))
      expect([...byName.keys()].sort()).toEqual([...names, "sub"].sort())
      names.forEach((name, i) => {
        expect(byName.get(name)).toMatchObject({ size: i * 1000, isDirectory: false, path: `${dir}/${name}` })
      })
      expect(byName.get("sub")?.isDirectory).toBe(true)
      const txt = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, dir, { pattern: "*.txt" })))
      expect(txt.map((e) => e.name).sort()).toEqual(["a.txt", "with space.txt", "ünïcode.txt"])
    }))

  it.scopedLive("listing a large directory takes several QUERY_DIRECTORY rounds", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, { maxDialect: "2.0.2" })
      const dir = fresh("many")
      const onDisk = join(server.sharePath, dir)
      mkdirSync(onDisk)
      // 64 KiB output buffers (2.0.2) hold about 400 of these entries
      const count = 1500
      for (let i = 0; i < count; i++) writeFileSync(join(onDisk, `file-with-a-longish-name-${i}.txt`), "")
      const names = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, dir))).map((e) => e.name)
      expect(new Set(names).size).toBe(count)
    }))

  it.scopedLive("a folder whose entries come in one large response lists through any sink: chunks stay bounded", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("wide")
      const onDisk = join(server.sharePath, dir)
      mkdirSync(onDisk)
      const count = 6000
      for (let i = 0; i < count; i++) writeFileSync(join(onDisk, `f${i}`), "")
      // runFold recursed per element of a chunk: an 8 MiB response's few thousand entries in one
      // chunk overflowed the stack
      expect(yield* Stream.runFold(Files.list(tree, dir), 0, (n) => n + 1)).toBe(count)
      const sizes = yield* Stream.runCollect(Stream.mapChunks(Files.list(tree, dir), (chunk) => Chunk.of(chunk.length)))
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1024)
    }))

  it.scopedLive("rename, rename onto an existing file, delete", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("rename")
      yield* Files.mkdir(tree, dir)
      yield* Files.writeFile(tree, `${dir}/one`, new Uint8Array([1]))
      yield* Files.writeFile(tree, `${dir}/two`, new Uint8Array([2, 2]))
      yield* Files.rename(tree, `${dir}/one`, `${dir}/uno`)
      expect(existsSync(join(server.sharePath, dir, "one"))).toBe(false)
      expect(readFileSync(join(server.sharePath, dir, "uno"))).toEqual(Buffer.from([1]))
      const collision = yield* Effect.flip(Files.rename(tree, `${dir}/uno`, `${dir}/two`))
      expect(collision).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_COLLISION" })
      yield* Files.rename(tree, `${dir}/uno`, `${dir}/two`, { replace: true })
      expect(readFileSync(join(server.sharePath, dir, "two"))).toEqual(Buffer.from([1]))
      yield* Files.mkdir(tree, `${dir}/sub`)
      yield* Files.rename(tree, `${dir}/two`, `${dir}/sub/moved`)
      expect(readFileSync(join(server.sharePath, dir, "sub", "moved"))).toEqual(Buffer.from([1]))
      yield* Files.rename(tree, `${dir}/sub`, `${dir}/renamed-dir`)
      expect(existsSync(join(server.sharePath, dir, "renamed-dir", "moved"))).toBe(true)
      yield* Files.remove(tree, `${dir}/renamed-dir/moved`)
      expect(existsSync(join(server.sharePath, dir, "renamed-dir", "moved"))).toBe(false)
      const again = yield* Effect.flip(Files.remove(tree, `${dir}/renamed-dir/moved`))
      expect(again).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_NOT_FOUND" })
      const isDir = yield* Effect.flip(Files.remove(tree, `${dir}/renamed-dir`))
      expect(isDir).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_IS_A_DIRECTORY" })
    }))

  it.scopedLive("truncate: cut and extend", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const path = `${fresh("truncate")}.bin`
      yield* Files.writeFile(tree, path, new Uint8Array(10_000).fill(7))
      yield* Files.truncate(tree, path, 1234)
      expect(statSync(join(server.sharePath, path)).size).toBe(1234)
      yield* Files.truncate(tree, path, 5000)
      const content = yield* Files.readFile(tree, path)
      expect(content.length).toBe(5000)
      expect(content.subarray(0, 1234).every((b) => b === 7)).toBe(true)
      expect(content.subarray(1234).every((b) => b === 0)).toBe(true)
      expect((yield* Files.stat(tree, path)).size).toBe(5000)
    }))

  it.scopedLive("mkdir, mkdir -p, rmdir of a non-empty and an empty directory", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("mkdir")
      yield* Files.mkdir(tree, dir)
      expect(statSync(join(server.sharePath, dir)).isDirectory()).toBe(true)
      const exists = yield* Effect.flip(Files.mkdir(tree, dir))
      expect(exists).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_COLLISION" })
      yield* Files.mkdir(tree, `${dir}/a/b/c`, { recursive: true })
      yield* Files.mkdir(tree, `${dir}/a/b/c`, { recursive: true })
      expect(statSync(join(server.sharePath, dir, "a", "b", "c")).isDirectory()).toBe(true)
      const notEmpty = yield* Effect.flip(Files.rmdir(tree, `${dir}/a`))
      expect(notEmpty).toMatchObject({ _tag: "ServerError", reason: "STATUS_DIRECTORY_NOT_EMPTY" })
      yield* Files.rmdir(tree, `${dir}/a/b/c`)
      expect(existsSync(join(server.sharePath, dir, "a", "b", "c"))).toBe(false)
      yield* Files.writeFile(tree, `${dir}/file`, new Uint8Array([1]))
      const notDir = yield* Effect.flip(Files.rmdir(tree, `${dir}/file`))
      expect(notDir).toMatchObject({ _tag: "ServerError", reason: "STATUS_NOT_A_DIRECTORY" })
    }))

  // A root-owned file with mode 000 in a directory of the user: Samba maps it to an NT ACL that
  // grants the user nothing (FILE_READ_ATTRIBUTES is never checked by Samba; DELETE comes from the
  // writable parent). smbclient's allinfo, rename and del work there; so must stat, exists, rename
  // and remove, which ask for nothing else (SYNCHRONIZE, asked for before, was refused). (rmdir of
  // such a directory fails in Samba whatever the access: it must list the directory to see that
  // it is empty.)
  it.scopedLive("stat, exists, rename and remove ask only for the access they need", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const dir = fresh("access")
      yield* Files.mkdir(tree, dir)
      const onDisk = join(server.sharePath, dir)
      writeFileSync(join(onDisk, "locked"), Buffer.alloc(321, 1), { mode: 0o000 })
      chmodSync(join(onDisk, "locked"), 0o000)
      mkdirSync(join(onDisk, "locked-dir"), { mode: 0o000 })
      chmodSync(join(onDisk, "locked-dir"), 0o000)
      const allinfo = yield* Effect.promise(() =>
        run("smbclient", [`//${server.host}/${server.share}`, "-p", String(server.port), "-U", `${server.user}%${server.password}`, "-c", `allinfo ${dir}/locked`])
      )
      expect(allinfo.stdout).toMatch(/attributes:/)
      const denied = yield* Effect.flip(Files.readFile(tree, `${dir}/locked`))
      expect(denied).toMatchObject({ _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" })
      expect((yield* Files.stat(tree, `${dir}/locked`)).size).toBe(321)
      expect(yield* Files.exists(tree, `${dir}/locked`)).toBe(true)
      expect((yield* Files.stat(tree, `${dir}/locked-dir`)).isDirectory).toBe(true)
      yield* Files.rename(tree, `${dir}/locked`, `${dir}/moved`)
      expect(existsSync(join(onDisk, "moved"))).toBe(true)
      yield* Files.remove(tree, `${dir}/moved`)
      expect(existsSync(join(onDisk, "moved"))).toBe(false)
    }))

  it.scopedLive("an encrypt-required share refuses an unencrypted session (2.1)", () =>
    Effect.gen(function*() {
      const server = servers["share-encrypt"]
      const exit = yield* Effect.exit(scenario(server, { maxDialect: "2.1" }, server.password, server.encShare!))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" } } })
    }))

  it.scopedLive("files on an encrypt-required share (3.1.1)", () =>
    Effect.gen(function*() {
      const server = servers["share-encrypt"]
      const { tree } = yield* scenario(server, {}, server.password, server.encShare!)
      expect(tree.encrypted).toBe(true)
      const path = `${fresh("enc")}.bin`
      const data = big().data.subarray(0, 3 * MiB + 5)
      yield* Files.writeFile(tree, path, data)
      expect(sha256File(join(server.encSharePath!, path))).toBe(createHash("sha256").update(data).digest("hex"))
      const back = yield* Files.readFile(tree, path)
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true)
    }))
})
