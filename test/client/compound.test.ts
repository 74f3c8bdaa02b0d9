/**
 * Files over compound chains, against the scriptable peer: which requests go out in which frame
 * (one round trip per small operation), the session's probe, and the fallback to one request at
 * a time for a server that does not handle related operations.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Files from "../../src/client/Files.js"
import type { ReceivedRequest } from "../../src/testing/TestPeer.js"
import { decodeCloseRequest } from "../../src/wire/Close.js"
import { Command, commandName } from "../../src/wire/Command.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"
import { decodeWriteRequest, encodeWriteResponse } from "../../src/wire/Write.js"
import { createResponse, FILE_ID, grant, makeFakeTree } from "./fakeTree.js"

const ALL_ONES = new Uint8Array(16).fill(0xff)

/** A tree whose window holds chains, and the frames its requests come in (commands per frame). */
const setUp = (related: boolean) =>
  Effect.gen(function*() {
    const { peer, tree } = yield* makeFakeTree()
    const echo = yield* Effect.fork(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
    yield* peer.respond(yield* peer.next, { credits: 16 })
    yield* Fiber.join(echo)
    const frames: Array<Array<string>> = []
    let last: Uint8Array | undefined
    const seen = (request: ReceivedRequest) => {
      if (request.frame !== last) frames.push([])
      last = request.frame
      frames.at(-1)!.push(commandName(request.header.command))
    }
    yield* peer.serve((request, p) => {
      seen(request)
      const credits = grant(request)
      switch (request.header.command) {
        case Command.CREATE:
          return p.respond(request, { body: createResponse(3), credits })
        case Command.CLOSE: {
          // a server that does not follow related operations finds no file under all ones
          const unknown = !related && Either.getOrThrow(decodeCloseRequest(request.message)).fileId.every((b) => b === 0xff)
          return p.respond(request, { status: unknown ? Status.FILE_CLOSED : Status.SUCCESS, credits })
        }
        case Command.WRITE: {
          const write = Either.getOrThrow(decodeWriteRequest(request.message))
          expect(write.fileId).toEqual(related ? ALL_ONES : FILE_ID)
          return p.respond(request, { body: encodeWriteResponse({ count: write.data.length, remaining: 0 }), credits })
        }
        default:
          return p.respond(request, { credits })
      }
    })
    return { tree, frames }
  })

describe("Files over compound chains", () => {
  it.scopedLive("each small operation is one frame: CREATE, the operation, CLOSE, related", () =>
    Effect.gen(function*() {
      const { frames, tree } = yield* setUp(true)
      yield* Files.stat(tree, "f")
      yield* Files.writeFile(tree, "f", new Uint8Array([1, 2, 3]))
      yield* Files.truncate(tree, "f", 1)
      yield* Files.rename(tree, "f", "g")
      yield* Files.remove(tree, "g")
      yield* Files.mkdir(tree, "d")
      yield* Files.rmdir(tree, "d")
      expect(frames).toEqual([
        ["CREATE", "CLOSE"], // the session's probe: the share's root
        ["CREATE", "CLOSE"],
        ["CREATE", "WRITE", "CLOSE"],
        ["CREATE", "SET_INFO", "CLOSE"],
        ["CREATE", "SET_INFO", "CLOSE"],
        ["CREATE", "CLOSE"],
        ["CREATE", "CLOSE"],
        ["CREATE", "SET_INFO", "CLOSE"]
      ])
    }))

  it.scopedLive("a server that does not follow related operations gets the requests one by one, with the real FileId", () =>
    Effect.gen(function*() {
      const { frames, tree } = yield* setUp(false)
      expect(yield* Files.stat(tree, "f")).toMatchObject({ size: 3 })
      yield* Files.writeFile(tree, "f", new Uint8Array([1, 2, 3]))
      expect(frames).toEqual([["CREATE", "CLOSE"], ["CREATE"], ["CLOSE"], ["CREATE"], ["WRITE"], ["CLOSE"]])
    }))

  it.scopedLive("the probe runs once for concurrent first operations", () =>
    Effect.gen(function*() {
      const { frames, tree } = yield* setUp(true)
      yield* Effect.forEach(["a", "b", "c", "d"], (name) => Files.stat(tree, name), { concurrency: "unbounded" })
      expect(frames).toEqual([["CREATE", "CLOSE"], ["CREATE", "CLOSE"], ["CREATE", "CLOSE"], ["CREATE", "CLOSE"], ["CREATE", "CLOSE"]])
    }))

  it.scopedLive("RELATED_OPERATIONS marks every element after the CREATE", () =>
    Effect.gen(function*() {
      const { peer, tree } = yield* makeFakeTree()
      const echo = yield* Effect.fork(tree.session.connection.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      yield* peer.respond(yield* peer.next, { credits: 16 })
      yield* Fiber.join(echo)
      const stat = yield* Effect.fork(Files.stat(tree, "f"))
      for (let round = 0; round < 2; round++) {
        const [create, close] = yield* peer.take(2)
        expect([create!.header.flags & HeaderFlags.RELATED_OPERATIONS, close!.header.flags & HeaderFlags.RELATED_OPERATIONS]).toEqual([
          0,
          HeaderFlags.RELATED_OPERATIONS
        ])
        yield* peer.respondCompound([[create!, { body: createResponse(3) }], [close!]])
      }
      expect(yield* Fiber.join(stat)).toMatchObject({ size: 3 })
    }))
})
