/**
 * Metadata and Security over the scriptable peer: the access each operation asks for (no more
 * than it uses), what SET_INFO carries (times left out are 0, clearing every attribute sends
 * NORMAL, the SecurityInformation bits), and how a QUERY_INFO of unknown size grows its buffer:
 * to the size STATUS_BUFFER_TOO_SMALL names (in ErrorData, or in a 3.1.1 error context), twice
 * as large after STATUS_BUFFER_OVERFLOW, and never past the negotiated maximum.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Files from "../../src/client/Files.js"
import type { ReceivedRequest, TestPeer } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { AccessMask, decodeCreateRequest, FileAttributes } from "../../src/wire/Create.js"
import { encodeErrorResponse, ErrorId } from "../../src/wire/ErrorResponse.js"
import {
  decodeFileBasicInformation,
  encodeFileBasicInformation,
  encodeFileStreamInformation,
  FileInformationClass,
  InfoType,
  SecurityInformation
} from "../../src/wire/FileInformation.js"
import { dateToFileTime } from "../../src/wire/FileTime.js"
import { decodeQueryInfoRequest, encodeQueryInfoResponse } from "../../src/wire/QueryInfo.js"
import type { SecurityDescriptor } from "../../src/wire/SecurityDescriptor.js"
import { encodeSecurityDescriptor, WellKnownSid } from "../../src/wire/SecurityDescriptor.js"
import { decodeSetInfoRequest } from "../../src/wire/SetInfo.js"
import { Status } from "../../src/wire/Status.js"
import { grant, makeFakeTree, serveFile } from "./fakeTree.js"

const right = <A>(value: Either.Either<A, unknown>): A => {
  if (Either.isLeft(value)) throw new Error(`decode failed: ${String(value.left)}`)
  return value.right
}

const SD: SecurityDescriptor = {
  revision: 1,
  resourceManagerControl: 0,
  control: 0,
  owner: WellKnownSid.BUILTIN_ADMINISTRATORS,
  dacl: { revision: 2, aces: [{ _tag: "AccessAllowed", flags: 0, mask: 0x1f01ff, sid: WellKnownSid.EVERYONE }] }
}

const BASIC = encodeFileBasicInformation({
  creationTime: 1n,
  lastAccessTime: 2n,
  lastWriteTime: 3n,
  changeTime: 4n,
  fileAttributes: FileAttributes.HIDDEN | FileAttributes.ARCHIVE
})

/** Serves a file whose QUERY_INFO answers come from `query`, and records CREATE access and SET_INFO requests. */
const serve = (peer: TestPeer, query: (request: ReceivedRequest, p: TestPeer) => Effect.Effect<void, unknown>) => {
  const access: Array<number> = []
  const sets: Array<ReturnType<typeof decodeSetInfoRequest> extends Either.Either<infer A, unknown> ? A : never> = []
  return Effect.as(
    peer.serve((request, p) => {
      if (request.header.command === Command.CREATE) access.push(right(decodeCreateRequest(request.message)).desiredAccess)
      return serveFile(0, (other, q) => {
        if (other.header.command === Command.QUERY_INFO) return query(other, q) as Effect.Effect<void, never>
        if (other.header.command === Command.SET_INFO) sets.push(right(decodeSetInfoRequest(other.message)))
        return q.respond(other, { credits: grant(other) })
      })(request, p)
    }),
    { access, sets }
  )
}

const answer = (output: Uint8Array) => (request: ReceivedRequest, p: TestPeer) =>
  p.respond(request, { body: encodeQueryInfoResponse({ output }), credits: grant(request) })

describe("Metadata and Security over the scriptable peer", () => {
  it.scopedLive("each operation asks for the access it uses and no more; SET_INFO leaves what it was not given", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const sd = encodeSecurityDescriptor(SD)
      const { access, sets } = yield* serve(peer, (request, p) => {
        const query = right(decodeQueryInfoRequest(request.message))
        const output = query.infoType === InfoType.SECURITY
          ? sd
          : query.fileInfoClass === FileInformationClass.FileStreamInformation
          ? new Uint8Array(0)
          : BASIC
        return answer(output)(request, p)
      })
      const last = () => access[access.length - 1]

      const written = new Date("2001-02-03T04:05:06.789Z")
      yield* Files.setTimes(tree, "f", { written })
      expect(last()).toBe(AccessMask.FILE_WRITE_ATTRIBUTES)
      expect(sets[0]).toMatchObject({ infoType: InfoType.FILE, fileInfoClass: FileInformationClass.FileBasicInformation })
      expect(right(decodeFileBasicInformation(sets[0]!.buffer))).toEqual({
        creationTime: 0n,
        lastAccessTime: 0n,
        lastWriteTime: dateToFileTime(written),
        changeTime: 0n,
        fileAttributes: 0
      })

      expect(yield* Files.setAttributes(tree, "f", { hidden: false, archive: false })).toBe(FileAttributes.NORMAL)
      expect(last()).toBe(AccessMask.FILE_READ_ATTRIBUTES | AccessMask.FILE_WRITE_ATTRIBUTES)
      expect(right(decodeFileBasicInformation(sets[1]!.buffer))).toEqual({
        creationTime: 0n,
        lastAccessTime: 0n,
        lastWriteTime: 0n,
        changeTime: 0n,
        fileAttributes: FileAttributes.NORMAL
      })
      // nothing to change: nothing sent
      expect(yield* Files.setAttributes(tree, "f", { hidden: true })).toBe(FileAttributes.HIDDEN | FileAttributes.ARCHIVE)
      expect(sets).toHaveLength(2)

      expect(yield* Files.streams(tree, "f")).toEqual([])
      expect(last()).toBe(AccessMask.FILE_READ_ATTRIBUTES)

      expect(yield* Files.getSecurity(tree, "f")).toEqual({ ...SD, control: 0x8004, group: undefined, sacl: undefined })
      expect(last()).toBe(AccessMask.READ_CONTROL)
      yield* Files.getSecurity(tree, "f", { owner: true, sacl: true })
      expect(last()).toBe(AccessMask.READ_CONTROL | AccessMask.ACCESS_SYSTEM_SECURITY)

      yield* Files.setSecurity(tree, "f", SD)
      expect(last()).toBe(AccessMask.WRITE_OWNER | AccessMask.WRITE_DAC)
      expect(sets[2]).toMatchObject({
        infoType: InfoType.SECURITY,
        fileInfoClass: 0,
        additionalInformation: SecurityInformation.OWNER | SecurityInformation.DACL,
        buffer: sd
      })
      yield* Files.setSecurity(tree, "f", SD, { dacl: true })
      expect(last()).toBe(AccessMask.WRITE_DAC)
      expect(sets[3]?.additionalInformation).toBe(SecurityInformation.DACL)
    }))

  it.scopedLive("a descriptor larger than asked for: read again at the size STATUS_BUFFER_TOO_SMALL names, in ErrorData or an error context", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const sd = encodeSecurityDescriptor(SD)
      const asked: Array<number> = []
      const needed = (size: number, asContext: boolean) => {
        const data = new Uint8Array(4)
        new DataView(data.buffer).setUint32(0, size, true)
        return encodeErrorResponse(asContext ? { errorContexts: [{ errorId: ErrorId.DEFAULT, data }], errorData: new Uint8Array(0) } : { errorContexts: [], errorData: data })
      }
      let asContext = false
      yield* serve(peer, (request, p) => {
        const length = right(decodeQueryInfoRequest(request.message)).outputBufferLength
        asked.push(length)
        return length < 3000
          ? p.respond(request, { status: Status.BUFFER_TOO_SMALL, body: needed(3000, asContext), credits: grant(request) })
          : answer(sd)(request, p)
      })
      expect((yield* Files.getSecurity(tree, "f")).owner).toEqual(SD.owner)
      expect(asked).toEqual([1024, 3000])
      asContext = true
      asked.length = 0
      yield* Files.getSecurity(tree, "f")
      expect(asked).toEqual([1024, 3000])
    }))

  it.scopedLive("a stream list that overflows is asked for again twice as large, up to the negotiated maximum", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const list = encodeFileStreamInformation([
        { streamName: "::$DATA", streamSize: 5n, streamAllocationSize: 8n },
        { streamName: ":s:$DATA", streamSize: 1n, streamAllocationSize: 8n }
      ])
      const asked: Array<number> = []
      let fits = 10_000
      yield* serve(peer, (request, p) => {
        const length = right(decodeQueryInfoRequest(request.message)).outputBufferLength
        asked.push(length)
        return length < fits
          ? p.respond(request, { status: Status.BUFFER_OVERFLOW, body: encodeQueryInfoResponse({ output: list.subarray(0, 8) }), credits: grant(request) })
          : answer(list)(request, p)
      })
      expect((yield* Files.streams(tree, "f")).map((s) => s.name)).toEqual(["", "s"])
      expect(asked).toEqual([4096, 8192, 16384])

      // the negotiated maximum is 1 MiB: asked for, and still overflowing, it is an error
      fits = Infinity
      asked.length = 0
      expect(yield* Effect.flip(Files.streams(tree, "f"))).toMatchObject({ _tag: "ServerError", reason: "STATUS_BUFFER_OVERFLOW", path: "f" })
      expect(asked[asked.length - 1]).toBe(1024 * 1024)
      expect(asked).toHaveLength(9)
    }))
})
