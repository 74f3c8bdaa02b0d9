/**
 * wire/FileIdOffset against the encoders: for each request with a FileId, the offset it names
 * holds the FileId the encoder was given; CREATE responses give theirs back.
 */
import { describe, expect, it } from "@effect/vitest"
import { encodeChangeNotifyRequest } from "../../src/wire/ChangeNotify.js"
import { encodeCloseRequest } from "../../src/wire/Close.js"
import { Command } from "../../src/wire/Command.js"
import { encodeCreateResponse } from "../../src/wire/Create.js"
import { createResponseFileId, requestFileIdOffset } from "../../src/wire/FileIdOffset.js"
import { encodeFlushRequest } from "../../src/wire/Flush.js"
import { makeHeader, encodeHeader } from "../../src/wire/Header.js"
import { encodeIoctlRequest } from "../../src/wire/Ioctl.js"
import { encodeLockRequest } from "../../src/wire/Lock.js"
import { encodeLeaseBreakAcknowledgment, encodeOplockBreakAcknowledgment } from "../../src/wire/OplockBreak.js"
import { encodeQueryDirectoryRequest } from "../../src/wire/QueryDirectory.js"
import { encodeQueryInfoRequest } from "../../src/wire/QueryInfo.js"
import { encodeReadRequest } from "../../src/wire/Read.js"
import { encodeSetInfoRequest } from "../../src/wire/SetInfo.js"
import { encodeWriteRequestHead } from "../../src/wire/Write.js"

const fileId = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
const empty = new Uint8Array(0)

const bodies: ReadonlyArray<readonly [string, number, Uint8Array]> = [
  ["CLOSE", Command.CLOSE, encodeCloseRequest({ flags: 0, fileId })],
  ["FLUSH", Command.FLUSH, encodeFlushRequest({ fileId })],
  ["READ", Command.READ, encodeReadRequest({
    padding: 0x50, flags: 0, length: 1, offset: 0n, fileId, minimumCount: 0, channel: 0, remainingBytes: 0,
    readChannelInfoOffset: 0, readChannelInfoLength: 0
  })],
  ["WRITE", Command.WRITE, encodeWriteRequestHead({
    offset: 0n, fileId, channel: 0, remainingBytes: 0, writeChannelInfoOffset: 0, writeChannelInfoLength: 0, flags: 0
  }, 1)],
  ["LOCK", Command.LOCK, encodeLockRequest({ fileId, lockSequence: 0, locks: [{ offset: 0n, length: 1n, flags: 1 }] })],
  ["IOCTL", Command.IOCTL, encodeIoctlRequest({
    ctlCode: 0, fileId, input: empty, maxInputResponse: 0, output: empty, maxOutputResponse: 0, flags: 1
  })],
  ["QUERY_DIRECTORY", Command.QUERY_DIRECTORY, encodeQueryDirectoryRequest({
    fileInformationClass: 37, flags: 0, fileIndex: 0, fileId, fileName: "*", outputBufferLength: 1024
  })],
  ["CHANGE_NOTIFY", Command.CHANGE_NOTIFY, encodeChangeNotifyRequest({ flags: 0, outputBufferLength: 1024, fileId, completionFilter: 1 })],
  ["QUERY_INFO", Command.QUERY_INFO, encodeQueryInfoRequest({
    infoType: 1, fileInfoClass: 34, outputBufferLength: 56, additionalInformation: 0, flags: 0, fileId, input: empty
  })],
  ["SET_INFO", Command.SET_INFO, encodeSetInfoRequest({ infoType: 1, fileInfoClass: 20, additionalInformation: 0, fileId, buffer: new Uint8Array(8) })],
  ["OPLOCK_BREAK (oplock)", Command.OPLOCK_BREAK, encodeOplockBreakAcknowledgment({ _tag: "OplockBreakAcknowledgment", oplockLevel: 0, fileId })]
]

describe("wire/FileIdOffset", () => {
  for (const [name, command, body] of bodies) {
    it(`${name}: the FileId is where requestFileIdOffset says`, () => {
      const offset = requestFileIdOffset(command, body)
      expect(offset).toBeDefined()
      expect(body.subarray(offset!, offset! + 16)).toEqual(fileId)
    })
  }

  it("no FileId: CREATE, ECHO, a lease break acknowledgment, a body too short", () => {
    expect(requestFileIdOffset(Command.CREATE, new Uint8Array(120))).toBeUndefined()
    expect(requestFileIdOffset(Command.ECHO, new Uint8Array(4))).toBeUndefined()
    const leaseAck = encodeLeaseBreakAcknowledgment({ _tag: "LeaseBreakAcknowledgment", flags: 0, leaseKey: fileId, leaseState: 0, leaseDuration: 0n })
    expect(requestFileIdOffset(Command.OPLOCK_BREAK, leaseAck)).toBeUndefined()
    expect(requestFileIdOffset(Command.READ, new Uint8Array(20))).toBeUndefined()
  })

  it("a CREATE response's FileId", () => {
    const body = encodeCreateResponse({
      oplockLevel: 0, flags: 0, createAction: 1, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n,
      allocationSize: 0n, endOfFile: 0n, fileAttributes: 0, fileId, contexts: []
    })
    const message = new Uint8Array(64 + body.length)
    message.set(encodeHeader(makeHeader({ command: Command.CREATE, messageId: 1n })), 0)
    message.set(body, 64)
    expect(createResponseFileId(message)).toEqual(fileId)
    expect(createResponseFileId(message.subarray(0, 100))).toBeUndefined()
  })
})
