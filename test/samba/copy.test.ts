/**
 * Files.copy / copyBetween / moveBetween against a real Samba smbd: the server copies inside a
 * share (FSCTL_SRV_COPYCHUNK_WRITE, learning Samba's limits of 256 chunks of 1 MiB, 16 MiB a
 * request, when asked for more), the data is streamed between shares, and a copy onto an existing
 * file replaces it whole or not at all.
 */
import { expect, it } from "@effect/vitest"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import * as Tree from "../../src/client/Tree.js"
import { threadEntry } from "../connection/subjects.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")
const MiB = 1024 * 1024

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined)
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".part"))

describeSamba("Samba: server-side copy", (servers) => {
  it.scopedLive("copies a file of several chunks on the server, keeping to the limits Samba tells", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const from = fresh("copy-src")
      const data = randomBytes(5 * MiB + 17)
      writeFileSync(join(server.sharePath, from), data)

      // Chunks of 2 MiB are over Samba's 1 MiB: refused with its limits, then two requests of two
      // 1 MiB chunks for the first 4 MiB and one for the rest.
      const small = yield* Files.copy(tree, from, `${from}.a`, { chunkLimits: { chunks: 2, chunkBytes: 2 * MiB, requestBytes: 4 * MiB } })
      expect(small).toEqual({ bytes: data.length, serverSide: true, requests: 4, limits: { chunks: 2, chunkBytes: MiB, requestBytes: 4 * MiB } })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.a`)))).toBe(sha256(data))

      // Samba's own limits, as it states them, bound what is asked for.
      const large = yield* Files.copy(tree, from, `${from}.b`, { chunkLimits: { chunks: 1000, chunkBytes: 4 * MiB, requestBytes: 64 * MiB } })
      expect(large).toEqual({ bytes: data.length, serverSide: true, requests: 2, limits: { chunks: 256, chunkBytes: MiB, requestBytes: 16 * MiB } })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.b`)))).toBe(sha256(data))

      // Many small requests, several in flight; and the defaults (one request for 5 MiB).
      const many = yield* Files.copy(tree, from, `${from}.c`, { chunkLimits: { chunks: 4, chunkBytes: 64 * 1024, requestBytes: 256 * 1024 } })
      expect(many).toMatchObject({ serverSide: true, requests: Math.ceil(data.length / (256 * 1024)) })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.c`)))).toBe(sha256(data))
      expect(yield* Files.copy(tree, from, `${from}.d`)).toMatchObject({ serverSide: true, requests: 1 })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.d`)))).toBe(sha256(data))

      // an empty file
      writeFileSync(join(server.sharePath, `${from}.empty`), "")
      expect(yield* Files.copy(tree, `${from}.empty`, `${from}.empty2`)).toMatchObject({ bytes: 0, serverSide: true })
      expect(readFileSync(join(server.sharePath, `${from}.empty2`)).length).toBe(0)
      expect(leftovers(server.sharePath)).toEqual([])
    }))

  it.scopedLive("on the single worker, one request at a time; streamed when asked", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, { worker: "single" })
      const from = fresh("copy-single")
      const data = randomBytes(3 * MiB + 5)
      writeFileSync(join(server.sharePath, from), data)
      const result = yield* Files.copy(tree, from, `${from}.a`, { chunkLimits: { chunkBytes: 256 * 1024, chunks: 2 } })
      expect(result).toMatchObject({ serverSide: true, requests: Math.ceil(data.length / (512 * 1024)) })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.a`)))).toBe(sha256(data))
      expect(yield* Files.copy(tree, from, `${from}.b`, { serverSide: false })).toEqual({ bytes: data.length, serverSide: false, requests: 0 })
      expect(sha256(readFileSync(join(server.sharePath, `${from}.b`)))).toBe(sha256(data))
    }))

  it.scopedLive("onto an existing file: replaced whole, refused with replace: false, untouched when the copy fails", () =>
    Effect.gen(function*() {
      const server = servers.default
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      const from = fresh("copy-over")
      const to = `${from}.target`
      const data = randomBytes(2 * MiB + 3)
      const old = randomBytes(4 * MiB)
      // written through Samba, so that its user may open them for writing and lock them
      yield* Files.writeFile(a.tree, from, data)
      yield* Files.writeFile(a.tree, to, old)

      const refused = failureOf(yield* Effect.exit(Files.copy(a.tree, from, to, { replace: false })))
      expect(refused).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_COLLISION", path: to })
      expect(sha256(readFileSync(join(server.sharePath, to)))).toBe(sha256(old))
      expect(leftovers(server.sharePath)).toEqual([])

      // Another client's lock on the source: the server cannot read it, the old target stays.
      const theirs = yield* File.open(b.tree, from, { access: "readWrite" })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* theirs.lock(0, data.length)
        const locked = failureOf(yield* Effect.exit(Files.copy(a.tree, from, to)))
        expect(locked).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_LOCK_CONFLICT", command: "IOCTL", path: to })
        expect(locked?.message).toBe(`cannot copy to '${server.share}/${to}': STATUS_FILE_LOCK_CONFLICT (0xc0000054)`)
        const streamed = failureOf(yield* Effect.exit(Files.copy(a.tree, from, to, { serverSide: false })))
        expect(streamed).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_LOCK_CONFLICT", path: from })
      }))
      expect(sha256(readFileSync(join(server.sharePath, to)))).toBe(sha256(old))
      expect(leftovers(server.sharePath)).toEqual([])

      expect(yield* Files.copy(a.tree, from, to)).toMatchObject({ bytes: data.length, serverSide: true })
      expect(sha256(readFileSync(join(server.sharePath, to)))).toBe(sha256(data))
      // in place: the longer old content is cut to the source's size
      yield* Files.writeFile(a.tree, to, old)
      expect(yield* Files.copy(a.tree, from, to, { inPlace: true })).toMatchObject({ bytes: data.length, serverSide: true })
      expect(sha256(readFileSync(join(server.sharePath, to)))).toBe(sha256(data))
      // onto itself, whole or in place, the file stays as it was
      expect(yield* Files.copy(a.tree, from, from)).toMatchObject({ bytes: data.length, serverSide: true })
      expect(yield* Files.copy(a.tree, from, from, { inPlace: true })).toMatchObject({ bytes: data.length, serverSide: true })
      expect(yield* Files.copy(a.tree, from, from, { inPlace: true, serverSide: false })).toMatchObject({ bytes: data.length })
      expect(sha256(readFileSync(join(server.sharePath, from)))).toBe(sha256(data))
      expect(leftovers(server.sharePath)).toEqual([])
    }))

  it.scopedLive("between shares the data is streamed; a move is a rename in a share, a copy and a removal across", () =>
    Effect.gen(function*() {
      const server = servers["share-encrypt"]
      const { session, tree } = yield* scenario(server, {})
      const encrypted = yield* Tree.make(session, server.encShare!)
      const encPath = server.encSharePath!
      const from = fresh("copy-across")
      const data = randomBytes(6 * MiB + 11)
      writeFileSync(join(server.sharePath, from), data)

      expect(yield* Files.copyBetween(tree, from, encrypted, from)).toEqual({ bytes: data.length, serverSide: false, requests: 0 })
      expect(sha256(readFileSync(join(encPath, from)))).toBe(sha256(data))
      // onto an existing file there too
      expect((yield* Files.copyBetween(encrypted, from, tree, `${from}.back`)).bytes).toBe(data.length)
      expect(sha256(readFileSync(join(server.sharePath, `${from}.back`)))).toBe(sha256(data))

      expect(yield* Files.moveBetween(tree, `${from}.back`, tree, `${from}.moved`)).toEqual({ renamed: true })
      expect(existsSync(join(server.sharePath, `${from}.back`))).toBe(false)
      expect(sha256(readFileSync(join(server.sharePath, `${from}.moved`)))).toBe(sha256(data))

      expect(yield* Files.moveBetween(tree, `${from}.moved`, encrypted, `${from}.moved`)).toEqual({ renamed: false })
      expect(existsSync(join(server.sharePath, `${from}.moved`))).toBe(false)
      expect(sha256(readFileSync(join(encPath, `${from}.moved`)))).toBe(sha256(data))
      expect([...leftovers(server.sharePath), ...leftovers(encPath)]).toEqual([])
    }))

  it.scopedLive("between shares on the thread worker: received frames written on, in both directions", () =>
    Effect.gen(function*() {
      const server = servers["share-encrypt"]
      const { session, tree } = yield* scenario(server, { worker: "thread", threadEntry: yield* threadEntry })
      const encrypted = yield* Tree.make(session, server.encShare!)
      const from = fresh("copy-thread")
      const data = randomBytes(5 * MiB + 1)
      writeFileSync(join(server.sharePath, from), data)
      expect((yield* Files.copyBetween(tree, from, encrypted, from)).bytes).toBe(data.length)
      expect(sha256(readFileSync(join(server.encSharePath!, from)))).toBe(sha256(data))
      expect((yield* Files.copyBetween(encrypted, from, tree, `${from}.back`)).bytes).toBe(data.length)
      expect(sha256(readFileSync(join(server.sharePath, `${from}.back`)))).toBe(sha256(data))
    }), 60_000)
})
