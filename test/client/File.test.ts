/**
 * The file API against the scriptable peer: what goes on the wire (MS-SMB2 2.2.13 CREATE,
 * 2.2.19 READ, 2.2.21 WRITE, 2.2.33 QUERY_DIRECTORY, 2.2.35 CHANGE_NOTIFY, 2.2.30 CANCEL) and how
 * the client reacts to answers a real server rarely gives on demand: out-of-order READ
 * responses, short writes, STATUS_NOTIFY_ENUM_DIR, a notification interrupted while pending.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import type { ReceivedRequest } from "../../src/testing/TestPeer.js"
import { encodeChangeNotifyResponse, decodeChangeNotifyRequest, encodeFileNotifyInformation, FileAction } from "../../src/wire/ChangeNotify.js"
import { Command } from "../../src/wire/Command.js"
import { AccessMask, CreateDisposition, CreateOptions, decodeCreateRequest } from "../../src/wire/Create.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import {
  decodeQueryDirectoryRequest,
  encodeFileIdBothDirectoryInformation,
  encodeQueryDirectoryResponse,
  QueryDirectoryFlags
} from "../../src/wire/QueryDirectory.js"
import type { FileIdBothDirectoryInformation } from "../../src/wire/QueryDirectory.js"
import { decodeReadRequest, encodeReadResponse } from "../../src/wire/Read.js"
import { Status } from "../../src/wire/Status.js"
import { decodeWriteRequest, encodeWriteResponse } from "../../src/wire/Write.js"
import { answerCreate, FILE_ID, grant, makeFakeTree, serveFile, SESSION_ID, TREE_ID } from "./fakeTree.js"

const right = <A>(value: Either.Either<A, unknown>): A => {
  if (Either.isLeft(value)) throw new Error(`decode failed: ${String(value.left)}`)
  return value.right
}

const KiB = 1024
/** The byte at `offset` of the peer's imaginary file. */
const byteAt = (offset: number) => (offset * 7 + (offset >> 10)) & 0xff
const fileBytes = (offset: number, length: number) => Uint8Array.from({ length }, (_, i) => byteAt(offset + i))

const readResponse = (request: ReceivedRequest, size: number) => {
  const read = right(decodeReadRequest(request.message))
  const offset = Number(read.offset)
  const length = Math.max(0, Math.min(read.length, size - offset))
  return { offset, length, body: encodeReadResponse({ dataRemaining: 0, flags: 0, data: fileBytes(offset, length) }) }
}

const untilInFlight = (tree: Effect.Effect.Success<ReturnType<typeof makeFakeTree>>["tree"], n: number) =>
  tree.session.connection.handler.stats.pipe(
    Effect.filterOrFail((s) => s.inFlight === n, () => "not yet"),
    Effect.retry(Schedule.spaced("5 millis").pipe(Schedule.upTo("2 seconds"))),
    Effect.orDie
  )

/** A directory opened and watched, its CHANGE_NOTIFY answered with STATUS_PENDING and `asyncId`. */
const pendingWatch = (asyncId: bigint) =>
  Effect.gen(function*() {
    const { peer, tree } = yield* makeFakeTree()
    const opening = yield* Effect.fork(File.open(tree, "dir", { directory: true }))
    yield* answerCreate(peer, 0, true)
    const directory = yield* Fiber.join(opening)
    const watching = yield* directory.watch().pipe(Stream.runCollect, Effect.fork)
    const notify = yield* peer.next
    yield* peer.pending(notify, asyncId, { credits: grant(notify) })
    return { peer, tree, directory, watching, notify }
  })

describe("File over the scriptable peer", () => {
  it.scopedLive("CREATE carries the path with backslashes and the options as wire values", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const opening = yield* Effect.fork(File.open(tree, "/docs//sub/a.txt", { access: "write", disposition: "overwriteIf", directory: false }))
      const request = yield* answerCreate(peer, 0)
      const handle = yield* Fiber.join(opening)
      const create = right(decodeCreateRequest(request.message))
      expect(request.header.sessionId).toBe(SESSION_ID)
      expect(request.header.treeId).toBe(TREE_ID)
      expect(create.name).toBe("docs\\sub\\a.txt")
      expect(create.createDisposition).toBe(CreateDisposition.OVERWRITE_IF)
      expect(create.createOptions & CreateOptions.NON_DIRECTORY_FILE).not.toBe(0)
      expect(create.desiredAccess).toBe(File.accessMask("write"))
      expect(handle.path).toBe("docs/sub/a.txt")
      expect(handle.fileId).toEqual(FILE_ID)
      // closing the handle sends CLOSE, once
      const closing = yield* Effect.fork(Effect.zipRight(handle.close, handle.close))
      const close = yield* peer.next
      expect(close.header.command).toBe(Command.CLOSE)
      yield* peer.respond(close, { credits: grant(close) })
      yield* Fiber.join(closing)
      const after = yield* Effect.flip(handle.stat)
      expect(after._tag).toBe("InvalidState")
    }))

  it.scopedLive("readStream keeps `concurrency` READs in flight and delivers in order, whatever the answer order", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxReadSize: 64 * KiB })
      const size = 9 * 64 * KiB - 1000
      const opening = yield* Effect.fork(File.open(tree, "f"))
      yield* answerCreate(peer, size)
      const handle = yield* Fiber.join(opening)
      const collecting = yield* handle.readStream({ concurrency: 3 }).pipe(Stream.runCollect, Effect.fork)
      for (let batch = 0; batch < 3; batch++) {
        const requests = yield* peer.take(3)
        // exactly three in flight: nothing more comes until one is answered
        yield* Effect.sleep("20 millis")
        expect((yield* tree.session.connection.handler.stats).inFlight).toBe(3)
        const offsets = requests.map((r) => Number(right(decodeReadRequest(r.message)).offset))
        expect(offsets).toEqual([0, 1, 2].map((i) => (batch * 3 + i) * 64 * KiB))
        for (const request of [...requests].reverse()) {
          yield* peer.respond(request, { body: readResponse(request, size).body, credits: grant(request) })
        }
      }
      const chunks = Chunk.toReadonlyArray(yield* Fiber.join(collecting))
      const closing = yield* Effect.fork(handle.close)
      const close = yield* peer.next
      yield* peer.respond(close, { credits: grant(close) })
      yield* Fiber.join(closing)
      const all = Buffer.concat(chunks)
      expect(all.length).toBe(size)
      expect(all.equals(Buffer.from(fileBytes(0, size)))).toBe(true)
    }))

  it.scopedLive("read stops at the end of file: a short READ, then STATUS_END_OF_FILE", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxReadSize: 64 * KiB })
      // the file shrank after the open: the server has only 100 KiB of the 256 KiB it announced
      yield* peer.serve(serveFile(256 * KiB, (request, p) => {
        const { body, offset } = readResponse(request, 100 * KiB)
        return offset >= 100 * KiB
          ? p.respond(request, { status: Status.END_OF_FILE, credits: grant(request) })
          : p.respond(request, { body, credits: grant(request) })
      }))
      const handle = yield* File.open(tree, "f")
      expect(handle.size).toBe(256 * KiB)
      const data = yield* handle.read(0, 256 * KiB, { concurrency: 4 })
      expect(data.length).toBe(100 * KiB)
      expect(Buffer.from(data).equals(Buffer.from(fileBytes(0, 100 * KiB)))).toBe(true)
      const streamed = Buffer.concat(Chunk.toReadonlyArray(yield* Stream.runCollect(handle.readStream({ concurrency: 2 }))))
      expect(streamed.length).toBe(100 * KiB)
      expect((yield* handle.read(300 * KiB, 10)).length).toBe(0)
    }))

  it.scopedLive("write sends [head, data] WRITEs of the chunk size and resends the rest of a short write", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxWriteSize: 64 * KiB })
      const received = new Uint8Array(300 * KiB)
      const seen: Array<{ offset: number; length: number; charge: number }> = []
      let shortened = false
      yield* peer.serve(serveFile(0, (request, p) => {
        const write = right(decodeWriteRequest(request.message))
        const offset = Number(write.offset)
        seen.push({ offset, length: write.data.length, charge: request.header.creditCharge })
        // the first WRITE at 64 KiB is only half done
        const count = offset === 64 * KiB && !shortened ? write.data.length / 2 : write.data.length
        if (count !== write.data.length) shortened = true
        received.set(write.data.subarray(0, count), offset)
        return p.respond(request, { body: encodeWriteResponse({ count, remaining: 0 }), credits: grant(request) })
      }))
      const handle = yield* File.open(tree, "f", { access: "write" })
      const data = fileBytes(0, 300 * KiB)
      expect(yield* handle.write(data, { concurrency: 3 })).toBe(data.length)
      expect(Buffer.from(received).equals(Buffer.from(data))).toBe(true)
      expect(seen.filter((s) => s.offset === 64 * KiB + 32 * KiB)).toEqual([{ offset: 96 * KiB, length: 32 * KiB, charge: 1 }])
      expect(Math.max(...seen.map((s) => s.length))).toBe(64 * KiB)
      expect(handle.size).toBe(300 * KiB)
      // a sink from a stream of odd pieces lands the same bytes at an offset
      received.fill(0)
      const pieces = [data.subarray(0, 1000), data.subarray(1000, 150_000), data.subarray(150_000)]
      expect(yield* handle.writeStream(Stream.fromIterable(pieces), { offset: 0 })).toBe(data.length)
      expect(Buffer.from(received).equals(Buffer.from(data))).toBe(true)
    }))

  it.scopedLive("a short write whose rest was handed away (thread worker: transferred, detached) is a typed error, not a malformed WRITE", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxWriteSize: 64 * KiB })
      const data = fileBytes(0, 64 * KiB)
      let writes = 0
      yield* peer.serve(serveFile(0, (request, p) => {
        writes++
        const write = right(decodeWriteRequest(request.message))
        // What the thread backend's transfer does to the caller's buffer once the frame is out.
        structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] })
        return p.respond(request, { body: encodeWriteResponse({ count: write.data.length / 2, remaining: 0 }), credits: grant(request) })
      }))
      const handle = yield* File.open(tree, "f", { access: "write" })
      const error = yield* Effect.flip(handle.write(data))
      expect(error).toMatchObject({ _tag: "InvalidState" })
      expect(error.message).toContain("took 32768 of 65536 bytes")
      expect(writes).toBe(1)
    }))

  it.scopedLive("writeEach fills `concurrency` reused buffers; upload copies a local file and fails typed when it shrinks", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxWriteSize: 64 * KiB })
      const received = new Uint8Array(300 * KiB)
      let onWrite = (): void => {}
      yield* peer.serve(serveFile(0, (request, p) => {
        const write = right(decodeWriteRequest(request.message))
        received.set(write.data, Number(write.offset))
        onWrite()
        return p.respond(request, { body: encodeWriteResponse({ count: write.data.length, remaining: 0 }), credits: grant(request) })
      }))
      const data = fileBytes(0, 300 * KiB)
      const handle = yield* File.open(tree, "f", { access: "write" })
      const buffers = new Set<ArrayBufferLike>()
      const fill = (chunk: Uint8Array, position: number) =>
        Effect.sync(() => {
          buffers.add(chunk.buffer)
          chunk.set(data.subarray(position, position + chunk.length))
        })
      expect(yield* handle.writeEach(data.length, fill, { concurrency: 2 })).toBe(data.length)
      expect(Buffer.from(received).equals(Buffer.from(data))).toBe(true)
      expect(buffers.size).toBe(2)

      const dir = mkdtempSync(join(tmpdir(), "effect-smb-upload-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const local = join(dir, "source.bin")
      writeFileSync(local, data)
      received.fill(0)
      // In place: this fake answers every request but CREATE and CLOSE as a WRITE (the
      // temporary file renamed over the target is tested against Samba, test/samba/operations.test.ts).
      const upload = (options: Files.UploadOptions) =>
        Files.upload(tree, local, "f", { inPlace: true, ...options }).pipe(Effect.provide(NodeFileSystem.layer))
      expect(yield* upload({})).toBe(data.length)
      expect(Buffer.from(received).equals(Buffer.from(data))).toBe(true)
      // Shrunk under the copy (on the first WRITE): the next chunk's read ends early.
      onWrite = () => truncateSync(local, 1000)
      const error = yield* Effect.flip(upload({ concurrency: 1 }))
      expect(error).toMatchObject({ _tag: "SystemError", reason: "UnexpectedEof", pathOrDescriptor: local })
    }))

  it.scopedLive("list: RESTART_SCANS first (compounded with the CREATE, 64 KiB), rounds of 1 MiB until STATUS_NO_MORE_FILES, '.' and '..' left out", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const entry = (fileName: string, size: number, directory = false): FileIdBothDirectoryInformation => ({
        fileIndex: 0,
        creationTime: 132_000_000_000_000_000n,
        lastAccessTime: 132_000_000_000_000_000n,
        lastWriteTime: 132_000_000_000_000_000n,
        changeTime: 132_000_000_000_000_000n,
        endOfFile: BigInt(size),
        allocationSize: BigInt(size),
        fileAttributes: directory ? 0x10 : 0x20,
        eaSize: 0,
        shortName: "",
        fileId: BigInt(size + 1),
        fileName
      })
      const rounds = [[entry(".", 0, true), entry("..", 0, true), entry("a", 1)], [entry("b", 2), entry("sub", 0, true)]]
      const flags: Array<number> = []
      const queries: Array<readonly [string, number]> = []
      yield* peer.serve(serveFile(0, (request, p) => {
        if (request.header.command === Command.ECHO) return p.respond(request, { credits: 8 })
        const query = right(decodeQueryDirectoryRequest(request.message))
        flags.push(query.flags)
        queries.push([Buffer.from(query.fileId).toString("hex"), query.outputBufferLength])
        const round = rounds.shift()
        return round === undefined
          ? p.respond(request, { status: Status.NO_MORE_FILES, credits: grant(request) })
          : p.respond(request, {
            body: encodeQueryDirectoryResponse({ output: encodeFileIdBothDirectoryInformation(round) }),
            credits: grant(request)
          })
      }, true))
      // compounds take all their credits at once: a window of more than the initial one
      yield* Effect.orDie(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      const entries = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, "/dir")))
      expect(entries.map((e) => [e.name, e.path, e.size, e.isDirectory])).toEqual([
        ["a", "dir/a", 1, false],
        ["b", "dir/b", 2, false],
        ["sub", "dir/sub", 0, true]
      ])
      // (132e15 - 116444736e9) / 1e4 ms after 1970
      expect(entries[0]!.lastWriteTime).toEqual(new Date(Date.UTC(2019, 3, 17, 18, 40, 0)))
      expect(flags).toEqual([QueryDirectoryFlags.RESTART_SCANS, 0, 0])
      // the first round on the chain's CREATE (FileId all ones), the next ones on the open directory
      const fileId = Buffer.from(FILE_ID).toString("hex")
      expect(queries).toEqual([["ff".repeat(16), 64 * KiB], [fileId, 1024 * KiB], [fileId, 1024 * KiB]])
    }))

  it.scopedLive("watch: changes, re-armed after each completion; STATUS_NOTIFY_ENUM_DIR becomes Overflow", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const watching = yield* Files.watch(tree, "dir", { recursive: true }).pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* answerCreate(peer, 0, true)
      const first = yield* peer.next
      expect(first.header.command).toBe(Command.CHANGE_NOTIFY)
      expect(right(decodeChangeNotifyRequest(first.message)).flags).toBe(1)
      yield* peer.pending(first, 41n, { credits: grant(first) })
      yield* peer.respondAsync(first, 41n, {
        body: encodeChangeNotifyResponse({
          output: encodeFileNotifyInformation([
            { action: FileAction.ADDED, fileName: "sub\\new.txt" },
            { action: FileAction.RENAMED_OLD_NAME, fileName: "x" }
          ])
        }),
        credits: 0
      })
      const second = yield* peer.next
      expect(second.header.command).toBe(Command.CHANGE_NOTIFY)
      yield* peer.respond(second, { status: Status.NOTIFY_ENUM_DIR, body: encodeChangeNotifyResponse({ output: new Uint8Array(0) }), credits: grant(second) })
      // three items taken: the stream ends and closes the directory without re-arming
      const close = yield* peer.next
      expect(close.header.command).toBe(Command.CLOSE)
      yield* peer.respond(close, { credits: grant(close) })
      const changes = Chunk.toReadonlyArray(yield* Fiber.join(watching))
      expect(changes).toEqual([
        { _tag: "Changed", action: "added", code: FileAction.ADDED, name: "sub/new.txt" },
        { _tag: "Changed", action: "renamedFrom", code: FileAction.RENAMED_OLD_NAME, name: "x" },
        { _tag: "Overflow" }
      ])
    }))

  it.scopedLive("interrupting a pending watch sends CANCEL with the async id; the handle stays usable", () =>
    Effect.gen(function*() {
      const { peer, tree, directory, watching, notify } = yield* pendingWatch(0x5150n)
      // the interim response has reached the worker once nothing else is pending on the wire
      yield* untilInFlight(tree, 1)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(watching)
      const cancel = yield* peer.next
      expect(cancel.header.command).toBe(Command.CANCEL)
      expect(cancel.header.messageId).toBe(notify.header.messageId)
      expect(cancel.header.asyncId).toBe(0x5150n)
      expect(cancel.header.flags & HeaderFlags.ASYNC_COMMAND).not.toBe(0)
      yield* peer.respondAsync(notify, 0x5150n, { status: Status.CANCELLED, credits: 0 })
      yield* untilInFlight(tree, 0)
      // the handle still works: a stat goes through
      const statting = yield* Effect.fork(directory.stat)
      const query = yield* peer.next
      expect(query.header.command).toBe(Command.QUERY_INFO)
      const info = new Uint8Array(56)
      new DataView(info.buffer).setUint32(48, 0x10, true)
      const body = new Uint8Array(8 + 56)
      new DataView(body.buffer).setUint16(0, 9, true)
      new DataView(body.buffer).setUint16(2, 64 + 8, true)
      new DataView(body.buffer).setUint32(4, 56, true)
      body.set(info, 8)
      yield* peer.respond(query, { body, credits: grant(query) })
      expect((yield* Fiber.join(statting)).isDirectory).toBe(true)
      yield* peer.serve(serveFile(0, () => Effect.void))
      yield* directory.close
    }))

  it.scopedLive("closing the handle under a pending watch ends the stream (STATUS_NOTIFY_CLEANUP)", () =>
    Effect.gen(function*() {
      const { peer, directory, watching, notify } = yield* pendingWatch(9n)
      const closing = yield* Effect.fork(directory.close)
      const close = yield* peer.next
      expect(close.header.command).toBe(Command.CLOSE)
      yield* peer.respondAsync(notify, 9n, { status: Status.NOTIFY_CLEANUP, body: encodeChangeNotifyResponse({ output: new Uint8Array(0) }), credits: 0 })
      yield* peer.respond(close, { credits: grant(close) })
      yield* Fiber.join(closing)
      expect(Chunk.toReadonlyArray(yield* Fiber.join(watching))).toEqual([])
    }))

  // A server checks every bit asked for against the file's ACL: stat must work where the ACL grants
  // FILE_READ_ATTRIBUTES only (as smbclient's allinfo does), remove and rename where it grants
  // DELETE. SYNCHRONIZE and READ_CONTROL are never asked for.
  it.scopedLive("each operation asks for the access it uses and no more (CREATE DesiredAccess)", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const asked: Array<number> = []
      yield* peer.serve((request, p) => {
        if (request.header.command === Command.CREATE) asked.push(right(decodeCreateRequest(request.message)).desiredAccess)
        const status = request.header.command === Command.QUERY_DIRECTORY ? Status.NO_MORE_FILES : Status.SUCCESS
        return serveFile(0, (other, q) => q.respond(other, { status, credits: grant(other) }))(request, p)
      })
      const access = (effect: Effect.Effect<unknown, unknown>) =>
        Effect.map(Effect.zipRight(Effect.sync(() => asked.length = 0), Effect.orDie(effect)), () => asked[0])
      // compounds take all their credits at once: a window of more than the initial one
      yield* Effect.orDie(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      expect(yield* access(Files.stat(tree, "f"))).toBe(AccessMask.FILE_READ_ATTRIBUTES)
      expect(yield* access(Files.exists(tree, "f"))).toBe(AccessMask.FILE_READ_ATTRIBUTES)
      expect(yield* access(Files.remove(tree, "f"))).toBe(AccessMask.DELETE)
      expect(yield* access(Files.rename(tree, "f", "g"))).toBe(AccessMask.DELETE)
      expect(yield* access(Files.truncate(tree, "f", 0))).toBe(AccessMask.FILE_WRITE_DATA)
      expect(yield* access(Files.mkdir(tree, "d"))).toBe(AccessMask.FILE_READ_ATTRIBUTES)
      expect(yield* access(Files.rmdir(tree, "d"))).toBe(AccessMask.DELETE)
      expect(yield* access(Stream.runDrain(Files.list(tree, "d")))).toBe(AccessMask.FILE_LIST_DIRECTORY)
      expect(yield* access(Files.readFile(tree, "f"))).toBe(
        AccessMask.FILE_READ_DATA | AccessMask.FILE_READ_EA | AccessMask.FILE_READ_ATTRIBUTES
      )
      expect(yield* access(Files.writeFile(tree, "f", new Uint8Array(0)))).toBe(
        AccessMask.FILE_WRITE_DATA | AccessMask.FILE_APPEND_DATA | AccessMask.FILE_WRITE_EA | AccessMask.FILE_WRITE_ATTRIBUTES |
          AccessMask.FILE_READ_ATTRIBUTES
      )
    }))

  it.scopedLive("exists: each way a server says a file is absent is false (impacket: STATUS_NO_SUCH_FILE)", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      // first the session's compound probe (CREATE + CLOSE of the share's root)
      const statuses = [Status.SUCCESS, Status.OBJECT_NAME_NOT_FOUND, Status.OBJECT_PATH_NOT_FOUND, Status.NO_SUCH_FILE, Status.ACCESS_DENIED]
      // stat is one CREATE + CLOSE compound: the CLOSE gets the status the CREATE cascades to it
      const echo = yield* Effect.fork(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      yield* peer.respond(yield* peer.next, { credits: 8 })
      yield* Fiber.join(echo)
      let status: number = Status.SUCCESS
      yield* peer.serve((request, p) => {
        if (request.header.command === Command.CREATE) status = statuses.shift()!
        return p.respond(request, { status, credits: grant(request) })
      })
      expect([yield* Files.exists(tree, "a"), yield* Files.exists(tree, "b/a"), yield* Files.exists(tree, "c")]).toEqual([false, false, false])
      expect(yield* Effect.flip(Files.exists(tree, "d"))).toMatchObject({ _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" })
    }))

  it("the transfer plan follows the negotiated sizes, the credit backlog, encryption and the worker", () => {
    const plan = (o: Parameters<typeof makeFakeTree>[0], options?: File.TransferOptions) =>
      Effect.runSync(Effect.scoped(Effect.map(makeFakeTree(o), ({ tree }) => File.transferPlan(tree, "read", options))))
    expect(plan({ maxReadSize: 8 * 1024 * KiB })).toEqual({ chunkSize: 8 * 1024 * KiB, concurrency: 4 })
    expect(plan({ maxReadSize: 16 * 1024 * KiB })).toEqual({ chunkSize: 8 * 1024 * KiB, concurrency: 4 })
    expect(plan({ maxReadSize: 8 * 1024 * KiB, creditBacklog: 16 })).toEqual({ chunkSize: 1024 * KiB, concurrency: 32 })
    expect(plan({ dialect: 0x0202, maxReadSize: 64 * KiB })).toEqual({ chunkSize: 64 * KiB, concurrency: 64 })
    expect(plan({ maxReadSize: 1024 * KiB }, { chunkSize: 4 * 1024 * KiB, concurrency: 7 })).toEqual({ chunkSize: 1024 * KiB, concurrency: 7 })
    expect(plan({ maxReadSize: 8 * 1024 * KiB, encrypted: true })).toEqual({ chunkSize: 4 * 1024 * KiB, concurrency: 4 })
    expect(plan({ maxReadSize: 8 * 1024 * KiB, encrypted: true }, { chunkSize: 8 * 1024 * KiB })).toEqual({ chunkSize: 8 * 1024 * KiB, concurrency: 2 })
    expect(plan({ maxReadSize: 1024 * KiB, encrypted: true })).toEqual({ chunkSize: 1024 * KiB, concurrency: 16 })
    // The single worker serves one request at a time, whatever the options ask.
    expect(plan({ maxReadSize: 8 * 1024 * KiB, encrypted: true, worker: "single" })).toEqual({ chunkSize: 4 * 1024 * KiB, concurrency: 1 })
    expect(plan({ maxReadSize: 1024 * KiB, worker: "single" }, { concurrency: 7 })).toEqual({ chunkSize: 1024 * KiB, concurrency: 1 })
  })
})
