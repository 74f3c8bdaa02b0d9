/**
 * Compound requests against a real Samba smbd: a related CREATE + QUERY_INFO + CLOSE chain whose
 * responses are each verified (signing required) or came encrypted (server-wide and per share),
 * on 3.1.1 and older dialects and on every worker; a failed CREATE and its cascade as one error
 * naming the path; and the Files operations built on chains, checked on the server's disk.
 */
import { expect, it } from "@effect/vitest"
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import { RELATED_FILE_ID } from "../../src/client/internal/compound.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import { encodeCloseRequest } from "../../src/wire/Close.js"
import { Command } from "../../src/wire/Command.js"
import { AccessMask, encodeCreateRequest, ImpersonationLevel, OplockLevel, ShareAccess } from "../../src/wire/Create.js"
import { FileInformationClass, InfoType } from "../../src/wire/FileInformation.js"
import { encodeQueryInfoRequest } from "../../src/wire/QueryInfo.js"
import { Status } from "../../src/wire/Status.js"
import { threadEntry } from "../connection/subjects.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "./scenario.js"

type Built = Effect.Effect.Success<ReturnType<typeof scenario>>

/** CREATE (open `name`) + QUERY_INFO FileStandardInformation + CLOSE, related, through the handler. */
const statChain = (built: Built, name: string) => {
  const ids = { sessionId: built.session.id, treeId: built.tree.id }
  const create = encodeCreateRequest({
    name,
    desiredAccess: AccessMask.FILE_READ_ATTRIBUTES,
    shareAccess: ShareAccess.ALL,
    createDisposition: 1,
    createOptions: 0,
    fileAttributes: 0,
    requestedOplockLevel: OplockLevel.NONE,
    impersonationLevel: ImpersonationLevel.IMPERSONATION,
    contexts: []
  })
  const query = encodeQueryInfoRequest({
    infoType: InfoType.FILE,
    fileInfoClass: FileInformationClass.FileStandardInformation,
    outputBufferLength: 24,
    additionalInformation: 0,
    flags: 0,
    fileId: RELATED_FILE_ID,
    input: new Uint8Array(0)
  })
  return built.connection.handler.sendRecvCompound([
    { request: { command: Command.CREATE, body: create, ...ids }, options: { command: Command.CREATE } },
    { request: { command: Command.QUERY_INFO, body: query, ...ids }, options: { command: Command.QUERY_INFO } },
    { request: { command: Command.CLOSE, body: encodeCloseRequest({ flags: 0, fileId: RELATED_FILE_ID }), ...ids }, options: { command: Command.CLOSE } }
  ], { related: true })
}

/** EndOfFile from a FileStandardInformation QUERY_INFO response (output at its OutputBufferOffset). */
const endOfFileOf = (message: Uint8Array) => {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength)
  return Number(view.getBigUint64(view.getUint16(64 + 2, true) + 8, true))
}

/** The chain answered, each response protected as the connection requires. */
const chainWorks = (
  server: SambaInstance,
  options: Partial<ConnectionOptions>,
  expected: { readonly verified: boolean; readonly encrypted: boolean },
  share = server.share,
  sharePath = server.sharePath
) =>
  Effect.gen(function*() {
    const name = `chain-${Math.random().toString(36).slice(2)}.bin`
    writeFileSync(join(sharePath, name), new Uint8Array(1234))
    const built = yield* scenario(server, options, server.password, share)
    const replies = yield* statChain(built, name)
    expect(replies.map((r) => r.header.command)).toEqual([Command.CREATE, Command.QUERY_INFO, Command.CLOSE])
    expect(endOfFileOf(replies[1]!.message)).toBe(1234)
    for (const reply of replies) expect({ verified: reply.verified, encrypted: reply.encrypted }).toEqual(expected)
    // the CLOSE went with it: the server holds nothing open, and the next request still works
    expect((yield* built.connection.handler.stats).inFlight).toBe(0)
    yield* built.connection.echo
  })

describeSamba("Samba: compound requests", (servers) => {
  for (const dialect of ["2.0.2", "2.1", "3.0", "3.1.1"] as const) {
    it.scopedLive(`a related chain, signing required: ${dialect}`, () =>
      chainWorks(servers.signing, { minDialect: dialect, maxDialect: dialect }, { verified: true, encrypted: false }))
  }

  for (const dialect of ["3.0", "3.1.1"] as const) {
    it.scopedLive(`a related chain, encrypted in one TRANSFORM: ${dialect}`, () =>
      chainWorks(servers.encrypt, { minDialect: dialect, maxDialect: dialect }, { verified: false, encrypted: true }))
  }

  it.scopedLive("a related chain on a share that requires encryption", () => {
    const server = servers["share-encrypt"]
    return chainWorks(server, {}, { verified: false, encrypted: true }, server.encShare!, server.encSharePath!)
  })

  it.scopedLive("a related chain, signed, on the single worker and on the thread worker", () =>
    Effect.gen(function*() {
      yield* chainWorks(servers.signing, { worker: "single" }, { verified: true, encrypted: false })
      const entry = yield* threadEntry
      yield* chainWorks(servers.signing, { worker: "thread", threadEntry: entry }, { verified: true, encrypted: false })
      yield* chainWorks(servers.encrypt, { worker: "thread", threadEntry: entry }, { verified: false, encrypted: true })
    }), 60_000)

  it.scopedLive("a failed CREATE and what Samba cascades to the rest of the chain are one error naming the path", () =>
    Effect.gen(function*() {
      const built = yield* scenario(servers.signing, {})
      const error = yield* Effect.flip(statChain(built, "no-such-file"))
      expect(error).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_NOT_FOUND", command: "CREATE" })
      const fromFiles = yield* Effect.flip(Files.stat(built.tree, "no/such/file"))
      expect(fromFiles.message).toBe(`cannot open '${built.tree.share}/no/such/file': STATUS_OBJECT_PATH_NOT_FOUND (0xc000003a)`)
      expect(yield* Files.exists(built.tree, "no-such-file")).toBe(false)
      const stats = yield* built.connection.handler.stats
      expect([stats.inFlight, stats.awaiting, stats.stashed]).toEqual([0, 0, 0])
    }))

  for (const [label, options] of [
    ["3.1.1, signed", { signing: "required" }],
    ["2.0.2", { minDialect: "2.0.2", maxDialect: "2.0.2" }],
    ["single worker", { worker: "single" }]
  ] as ReadonlyArray<readonly [string, Partial<ConnectionOptions>]>) {
    it.scopedLive(`Files over chains, checked on disk: ${label}`, () =>
      Effect.gen(function*() {
        const server = servers.default
        const dir = `compound-files-${label.replace(/[^a-z0-9]/gi, "")}`
        const onDisk = join(server.sharePath, dir)
        const built = yield* scenario(server, options)
        const files = Files.make(built.tree)
        // made by the server, so that its user may write there
        yield* files.mkdir(dir, { recursive: true })
        const small = seededBytes(4096, `compound ${label}`)
        yield* files.writeFile(`${dir}/small`, small)
        expect(new Uint8Array(readFileSync(join(onDisk, "small")))).toEqual(small)
        expect(yield* files.readFile(`${dir}/small`)).toEqual(small)
        // just over the compound limit: the first round trip reads 64 KiB, then the file is read again in chunks
        const large = seededBytes(64 * 1024 + 3, `compound large ${label}`)
        writeFileSync(join(onDisk, "large"), large)
        expect(yield* files.readFile(`${dir}/large`)).toEqual(large)
        yield* files.writeFile(`${dir}/large-put`, large)
        expect(new Uint8Array(readFileSync(join(onDisk, "large-put")))).toEqual(large)
        yield* files.writeFile(`${dir}/empty`, new Uint8Array(0))
        expect(yield* files.readFile(`${dir}/empty`)).toEqual(new Uint8Array(0))
        yield* files.writeFile(`${dir}/small`, new Uint8Array([7, 7]), { disposition: "openIf", offset: 4096 })
        expect(statSync(join(onDisk, "small")).size).toBe(4098)
        expect(yield* files.stat(`${dir}/small`)).toMatchObject({ size: 4098, isDirectory: false })
        expect(yield* files.stat(dir)).toMatchObject({ isDirectory: true })
        yield* files.truncate(`${dir}/small`, 10)
        expect(statSync(join(onDisk, "small")).size).toBe(10)
        yield* files.rename(`${dir}/small`, `${dir}/renamed`)
        expect([existsSync(join(onDisk, "small")), existsSync(join(onDisk, "renamed"))]).toEqual([false, true])
        const collision = yield* Effect.flip(files.rename(`${dir}/renamed`, `${dir}/large`))
        expect(collision).toMatchObject({ _tag: "ServerError", reason: "STATUS_OBJECT_NAME_COLLISION", path: `${dir}/renamed` })
        yield* files.remove(`${dir}/renamed`)
        expect(existsSync(join(onDisk, "renamed"))).toBe(false)
        yield* files.mkdir(`${dir}/a/b/c`, { recursive: true })
        yield* files.mkdir(`${dir}/a/b/c`, { recursive: true })
        expect(statSync(join(onDisk, "a", "b", "c")).isDirectory()).toBe(true)
        const notEmpty = yield* Effect.flip(files.rmdir(`${dir}/a/b`))
        expect(notEmpty).toMatchObject({ _tag: "ServerError", reason: "STATUS_DIRECTORY_NOT_EMPTY", path: `${dir}/a/b` })
        yield* files.rmdir(`${dir}/a/b/c`)
        expect(existsSync(join(onDisk, "a", "b", "c"))).toBe(false)
        const missing = yield* Effect.flip(files.remove(`${dir}/missing`))
        expect(missing).toMatchObject({ _tag: "ServerError", status: Status.OBJECT_NAME_NOT_FOUND, path: `${dir}/missing` })
        const stats = yield* built.connection.handler.stats
        expect([stats.inFlight, stats.awaiting, stats.stashed]).toEqual([0, 0, 0])
      }), 60_000)
  }
})
