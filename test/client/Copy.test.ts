/**
 * Files.copy over the scriptable peer, for what Samba does not do on demand: partial copies,
 * limits lower than Samba's, refusals without limits, a server that has no server-side copy only
 * for the copy request, and one that copies nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Files from "../../src/client/Files.js"
import type { ReceivedRequest, TestPeer } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import type { CopyChunkResponse } from "../../src/wire/CopyChunk.js"
import { decodeCopyChunkCopy, encodeCopyChunkResponse, encodeResumeKey } from "../../src/wire/CopyChunk.js"
import { CtlCode, decodeIoctlRequest, encodeIoctlResponse } from "../../src/wire/Ioctl.js"
import { decodeReadRequest, encodeReadResponse } from "../../src/wire/Read.js"
import { Status } from "../../src/wire/Status.js"
import { decodeWriteRequest, encodeWriteResponse } from "../../src/wire/Write.js"
import { grant, makeFakeTree, serveFile } from "./fakeTree.js"

const right = <A>(value: Either.Either<A, unknown>): A => {
  if (Either.isLeft(value)) throw new Error(`decode failed: ${String(value.left)}`)
  return value.right
}

const KiB = 1024
const SIZE = 1000 * KiB + 3
const source = Uint8Array.from({ length: SIZE }, (_, i) => (i * 13 + (i >> 9)) & 0xff)
const KEY = new Uint8Array(24).fill(0x5a)

const ioctlReply = (request: ReceivedRequest, output: Uint8Array) => {
  const ioctl = right(decodeIoctlRequest(request.message))
  return encodeIoctlResponse({ ctlCode: ioctl.ctlCode, fileId: ioctl.fileId, input: new Uint8Array(0), output, flags: 0 })
}

interface Copier {
  /** What the server does with a copy request: a response (SUCCESS), or a status and a body. */
  readonly copy: (chunks: ReadonlyArray<{ readonly sourceOffset: bigint; readonly targetOffset: bigint; readonly length: number }>) =>
    | { readonly written: CopyChunkResponse; readonly copied: number }
    | { readonly status: number; readonly output?: Uint8Array }
}

/**
 * A server with one source file; copy requests go to `copier` (answered after `holdMillis`, the
 * others meanwhile), READ and WRITE to the same bytes.
 */
const serve = (peer: TestPeer, copier: Copier, holdMillis = 0) => {
  const target = new Uint8Array(SIZE)
  const inFlight = { now: 0, most: 0 }
  const requests: Array<ReadonlyArray<{ readonly sourceOffset: bigint; readonly length: number }>> = []
  const setInfos: Array<number> = []
  const handler = serveFile(SIZE, (request, p) => {
    switch (request.header.command) {
      case Command.IOCTL: {
        const ioctl = right(decodeIoctlRequest(request.message))
        if (ioctl.ctlCode === CtlCode.FSCTL_SRV_REQUEST_RESUME_KEY) {
          return p.respond(request, { body: ioctlReply(request, encodeResumeKey({ resumeKey: KEY, context: new Uint8Array(0) })), credits: grant(request) })
        }
        const copy = right(decodeCopyChunkCopy(ioctl.input))
        expect(copy.sourceKey).toEqual(KEY)
        requests.push(copy.chunks)
        const answer = copier.copy(copy.chunks)
        if ("written" in answer) {
          let left = answer.copied
          for (const chunk of copy.chunks) {
            const n = Math.min(left, chunk.length)
            target.set(source.subarray(Number(chunk.sourceOffset), Number(chunk.sourceOffset) + n), Number(chunk.targetOffset))
            left -= n
          }
          const reply = p.respond(request, { body: ioctlReply(request, encodeCopyChunkResponse(answer.written)), credits: grant(request) })
          if (holdMillis === 0) return reply
          inFlight.most = Math.max(inFlight.most, ++inFlight.now)
          return Effect.asVoid(Effect.fork(Effect.delay(Effect.zipRight(Effect.sync(() => inFlight.now--), reply), holdMillis)))
        }
        return p.respond(request, {
          status: answer.status,
          ...(answer.output === undefined ? {} : { body: ioctlReply(request, answer.output) }),
          credits: grant(request)
        })
      }
      case Command.READ: {
        const read = right(decodeReadRequest(request.message))
        const offset = Number(read.offset)
        const data = source.subarray(offset, Math.min(SIZE, offset + read.length))
        return p.respond(request, { body: encodeReadResponse({ dataRemaining: 0, flags: 0, data }), credits: grant(request) })
      }
      case Command.WRITE: {
        const write = right(decodeWriteRequest(request.message))
        target.set(write.data, Number(write.offset))
        return p.respond(request, { body: encodeWriteResponse({ count: write.data.length, remaining: 0 }), credits: grant(request) })
      }
      case Command.SET_INFO:
        setInfos.push(request.message[64 + 3]!)
        return p.respond(request, { credits: grant(request) })
      default:
        return p.respond(request, { status: Status.NOT_SUPPORTED, credits: grant(request) })
    }
  })
  return Effect.as(peer.serve(handler), { target, requests, setInfos, inFlight })
}

// FileRenameInformation, FileDispositionInformation and FileEndOfFileInformation, as SET_INFO's FileInfoClass.
const RENAME = 10
const DISPOSITION = 13
const END_OF_FILE = 20

/** A server with these limits, that copies only half of what a request asks for (at least 1 byte). */
const halfCopier = (limits: { chunks: number; chunkBytes: number; requestBytes: number }): Copier => ({
  copy: (chunks) => {
    const total = chunks.reduce((n, c) => n + c.length, 0)
    if (chunks.length > limits.chunks || chunks.some((c) => c.length > limits.chunkBytes) || total > limits.requestBytes) {
      return {
        status: Status.INVALID_PARAMETER,
        output: encodeCopyChunkResponse({ chunksWritten: limits.chunks, chunkBytesWritten: limits.chunkBytes, totalBytesWritten: limits.requestBytes })
      }
    }
    const copied = Math.max(1, Math.floor(total / 2))
    let left = copied
    let whole = 0
    for (const c of chunks) {
      if (left < c.length) break
      left -= c.length
      whole++
    }
    return { written: { chunksWritten: whole, chunkBytesWritten: left, totalBytesWritten: copied }, copied }
  }
})

describe("Files.copy over the scriptable peer", () => {
  it.scopedLive("keeps to the limits the server states and copies again what a request left out", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const limits = { chunks: 3, chunkBytes: 100 * KiB, requestBytes: 250 * KiB }
      const state = yield* serve(peer, halfCopier(limits))
      const result = yield* Files.copy(tree, "a", "b")
      expect(result).toMatchObject({ bytes: SIZE, serverSide: true, limits })
      expect(Buffer.from(state.target).equals(Buffer.from(source))).toBe(true)
      // the first request, with the defaults (one chunk of up to 1 MiB), was refused; every other kept to the limits
      expect(state.requests[0]).toEqual([{ sourceOffset: 0n, targetOffset: 0n, length: SIZE }])
      for (const chunks of state.requests.slice(1)) {
        expect(chunks.length).toBeLessThanOrEqual(3)
        expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(100 * KiB)
        expect(chunks.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(250 * KiB)
      }
      expect(result.requests).toBe(state.requests.length)
      expect(state.setInfos).toEqual([RENAME])
    }))

  it.scopedLive("several copy requests in flight: four by default, `concurrency` if given, one on the single worker", () =>
    Effect.gen(function*() {
      const limits = { chunks: 1, chunkBytes: 64 * KiB, requestBytes: 64 * KiB }
      for (const [worker, concurrency, most] of [["parallel", undefined, 4], ["parallel", 6, 6], ["single", undefined, 1]] as const) {
        const { peer, tree } = yield* makeFakeTree({ worker })
        const state = yield* serve(peer, { copy: (chunks) => ({ written: { chunksWritten: 1, chunkBytesWritten: 0, totalBytesWritten: chunks[0]!.length }, copied: chunks[0]!.length }) }, 20)
        const result = yield* Files.copy(tree, "a", "b", { chunkLimits: limits, ...(concurrency === undefined ? {} : { concurrency }) })
        expect(result).toMatchObject({ bytes: SIZE, serverSide: true, requests: Math.ceil(SIZE / (64 * KiB)) })
        expect(Buffer.from(state.target).equals(Buffer.from(source))).toBe(true)
        expect({ worker, most: state.inFlight.most }).toEqual({ worker, most })
      }
    }))

  it.scopedLive("a refusal without limits, or with none lower than those tried, fails the copy and removes the temporary file", () =>
    Effect.gen(function*() {
      for (const output of [undefined, encodeCopyChunkResponse({ chunksWritten: 16, chunkBytesWritten: 1024 * KiB, totalBytesWritten: 16 * 1024 * KiB })]) {
        const { peer, tree } = yield* makeFakeTree()
        const state = yield* serve(peer, { copy: () => ({ status: Status.INVALID_PARAMETER, ...(output === undefined ? {} : { output }) }) })
        const error = yield* Effect.flip(Files.copy(tree, "dir/a", "dir/b"))
        expect(error).toMatchObject({ _tag: "ServerError", reason: "STATUS_INVALID_PARAMETER", share: "share", path: "dir/b" })
        expect(error.message).toBe("cannot copy to 'share/dir/b': STATUS_INVALID_PARAMETER (0xc000000d)")
        expect(state.requests.length).toBe(1)
        expect(state.setInfos).toEqual([DISPOSITION])
      }
    }))

  it.scopedLive("STATUS_NOT_SUPPORTED to the copy request: the data is streamed instead", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ maxReadSize: 256 * KiB, maxWriteSize: 128 * KiB })
      const state = yield* serve(peer, { copy: () => ({ status: Status.NOT_SUPPORTED }) })
      expect(yield* Files.copy(tree, "a", "b")).toEqual({ bytes: SIZE, serverSide: false, requests: 0 })
      expect(Buffer.from(state.target).equals(Buffer.from(source))).toBe(true)
      expect(state.setInfos).toEqual([RENAME])
    }))

  it.scopedLive("a server that copies nothing is a typed error, not a loop", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree({ worker: "single" })
      yield* serve(peer, { copy: () => ({ written: { chunksWritten: 0, chunkBytesWritten: 0, totalBytesWritten: 0 }, copied: 0 }) })
      expect(yield* Effect.flip(Files.copy(tree, "a", "b"))).toMatchObject({ _tag: "InvalidState", reason: "ShortWrite" })
    }))

  it.scopedLive("in place, the target itself is written and cut to size, never renamed", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const state = yield* serve(peer, halfCopier({ chunks: 16, chunkBytes: 1024 * KiB, requestBytes: 16 * 1024 * KiB }))
      expect((yield* Files.copy(tree, "a", "b", { inPlace: true })).bytes).toBe(SIZE)
      expect(Buffer.from(state.target).equals(Buffer.from(source))).toBe(true)
      expect(state.setInfos).toEqual([END_OF_FILE])
    }))
})
