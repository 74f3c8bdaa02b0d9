import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { checkResponse } from "../../src/connection/MessageHandler.js"
import { ServerError } from "../../src/errors.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags, makeHeader } from "../../src/wire/Header.js"
import { isError, Status, statusCode, statusName } from "../../src/wire/Status.js"

const entries = Object.entries(Status)

describe("Status table", () => {
  it("has one name per code", () => {
    const byCode = new Map<number, Array<string>>()
    for (const [name, code] of entries) byCode.set(code, [...(byCode.get(code) ?? []), name])
    expect([...byCode.values()].filter((names) => names.length > 1)).toEqual([])
  })

  it("maps every name back to its code, and every code to its name", () => {
    for (const [name, code] of entries) {
      expect(statusName(code)).toBe(`STATUS_${name}`)
      expect(statusCode(`STATUS_${name}`)).toBe(code)
    }
    expect(statusCode(statusName(0xc0001234))).toBe(0xc0001234)
    expect(statusCode("STATUS_NO_SUCH_THING")).toBeUndefined()
    expect(statusCode("LOGON_FAILURE")).toBeUndefined()
  })

  it("holds unsigned 32-bit values, in their order", () => {
    const codes = entries.map(([, code]) => code)
    expect(codes.filter((code) => code >>> 0 !== code)).toEqual([])
    expect(codes).toEqual([...codes].sort((a, b) => a - b))
    expect(isError(Status.FILE_LOCK_CONFLICT)).toBe(true)
  })

  // Values from MS-ERREF 2.3.1 (NTSTATUS values): the statuses a client meets most, those the
  // issue found unnamed among them.
  it.each([
    ["STATUS_FILE_LOCK_CONFLICT", 0xc0000054],
    ["STATUS_LOCK_NOT_GRANTED", 0xc0000055],
    ["STATUS_RANGE_NOT_LOCKED", 0xc000007e],
    ["STATUS_CONNECTION_REFUSED", 0xc0000236],
    ["STATUS_USER_SESSION_DELETED", 0xc0000203],
    ["STATUS_NETWORK_SESSION_EXPIRED", 0xc000035c],
    ["STATUS_PATH_NOT_COVERED", 0xc0000257],
    ["STATUS_NOT_A_DIRECTORY", 0xc0000103],
    ["STATUS_FILE_IS_A_DIRECTORY", 0xc00000ba],
    ["STATUS_DIRECTORY_NOT_EMPTY", 0xc0000101],
    ["STATUS_DISK_FULL", 0xc000007f],
    ["STATUS_SHARING_VIOLATION", 0xc0000043],
    ["STATUS_DELETE_PENDING", 0xc0000056],
    ["STATUS_OBJECT_PATH_NOT_FOUND", 0xc000003a],
    ["STATUS_BAD_NETWORK_NAME", 0xc00000cc],
    ["STATUS_NOT_SUPPORTED", 0xc00000bb],
    ["STATUS_STOPPED_ON_SYMLINK", 0x8000002d],
    ["STATUS_INSUFFICIENT_RESOURCES", 0xc000009a],
    ["STATUS_INSUFF_SERVER_RESOURCES", 0xc0000205],
    ["STATUS_NETWORK_NAME_DELETED", 0xc00000c9],
    ["STATUS_SERVER_UNAVAILABLE", 0xc0000466],
    ["STATUS_FILE_NOT_AVAILABLE", 0xc0000467],
    ["STATUS_SHARE_UNAVAILABLE", 0xc0000480],
    ["STATUS_INVALID_VIEW_SIZE", 0xc000001f],
    ["STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP", 0xc05d0000],
    ["STATUS_SMB_BAD_CLUSTER_DIALECT", 0xc05d0001],
    ["STATUS_SMB_GUEST_LOGON_BLOCKED", 0xc05d0002]
  ])("%s", (name, code) => {
    expect(statusName(code)).toBe(name)
  })
})

describe("a status in an error message", () => {
  const response = (status: number) => ({
    header: makeHeader({ command: Command.READ, messageId: 6n, status, flags: HeaderFlags.SERVER_TO_REDIR }),
    message: new Uint8Array(0),
    body: new Uint8Array(0),
    verified: false,
    encrypted: false
  })

  it.effect("shows the name the issue found missing, and the number", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(checkResponse(response(0xc0000054), { messageId: 6n, command: Command.READ }))
      expect(error).toBeInstanceOf(ServerError)
      expect(error.message).toBe("READ failed: STATUS_FILE_LOCK_CONFLICT (0xc0000054)")
      const refused = yield* Effect.flip(checkResponse(response(0xc0000236), { messageId: 6n }))
      expect(refused).toMatchObject({ reason: "STATUS_CONNECTION_REFUSED", status: 0xc0000236 })
      // an unknown one keeps its number as its reason
      expect((yield* Effect.flip(checkResponse(response(0xc0001234), { messageId: 6n }))).message).toBe("READ failed: 0xC0001234 (0xc0001234)")
    }))

  it("says what was being done to a path, by command or by the verb given", () => {
    const base = { reason: "STATUS_DISK_FULL", status: Status.DISK_FULL, command: "IOCTL", messageId: 1n, share: "s", path: "a/b" }
    expect(new ServerError(base).message).toBe("cannot control 's/a/b': STATUS_DISK_FULL (0xc000007f)")
    expect(new ServerError({ ...base, verb: "copy to" }).message).toBe("cannot copy to 's/a/b': STATUS_DISK_FULL (0xc000007f)")
  })
})
