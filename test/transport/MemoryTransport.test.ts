// The in-memory pair: bytes between the ends, the client deframes as over TCP (MS-SMB2 2.1 framing).
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { encodeFrame } from "../../src/transport/Framing.js"
import * as MemoryTransport from "../../src/transport/MemoryTransport.js"

const bytes = (...values: Array<number>) => Uint8Array.from(values)

describe("MemoryTransport", () => {
  it.scoped("carries a frame to the server as session header + bytes, and frames back", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      yield* client.send([bytes(1, 2), bytes(3)])
      expect([...(yield* server.read)]).toEqual([0, 0, 0, 3, 1, 2, 3])
      const frame = encodeFrame(bytes(9, 8, 7))
      yield* server.write(frame.subarray(0, 1))
      yield* server.write(frame.subarray(1, 5))
      yield* server.write(frame.subarray(5))
      expect([...(yield* client.receive)]).toEqual([9, 8, 7])
    }))

  it.scoped("copies what is written, as a socket would", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      const out = encodeFrame(bytes(1, 1))
      yield* server.write(out)
      out.fill(0xee)
      expect([...(yield* client.receive)]).toEqual([1, 1])
      const frame = bytes(5)
      yield* client.send(frame)
      frame[0] = 6
      expect([...(yield* server.read)]).toEqual([0, 0, 0, 1, 5])
      // Copied, so the frame's buffers are free again as soon as write returns.
      let written = 0
      expect(client.write!(frame, () => written++)).toBeUndefined()
      expect(written).toBe(1)
      expect([...(yield* server.read)]).toEqual([0, 0, 0, 1, 6])
    }))

  it.scoped("server close: the client gets what was sent, then ClosedByPeer (pending receives too)", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      yield* server.write(encodeFrame(bytes(1)))
      yield* server.close
      expect([...(yield* client.receive)]).toEqual([1])
      expect((yield* Effect.flip(client.receive)).reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(client.send(bytes(1)))).reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(server.write(bytes(1)))).reason).toBe("Closed")
      expect((yield* Effect.flip(server.read)).reason).toBe("Closed")

      const [client2, server2] = yield* MemoryTransport.makePair()
      const pending = yield* Effect.fork(client2.receive)
      yield* Effect.yieldNow()
      yield* server2.close
      expect((yield* Effect.flip(Fiber.join(pending))).reason).toBe("ClosedByPeer")
    }))

  it.scoped("server close in the middle of a frame says so", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      yield* server.write(encodeFrame(bytes(1, 2, 3, 4)).subarray(0, 6))
      yield* server.close
      const error = yield* Effect.flip(client.receive)
      expect(error.reason).toBe("ClosedByPeer")
      expect(error.detail).toContain("middle of a frame")
    }))

  it.scoped("client close: the server reads what was sent, then ClosedByPeer; the client fails with Closed", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      yield* server.write(encodeFrame(bytes(4)))
      yield* client.send(bytes(1))
      yield* client.close
      yield* client.close
      expect((yield* Effect.flip(client.receive)).reason).toBe("Closed")
      expect((yield* Effect.flip(client.send(bytes(2)))).reason).toBe("Closed")
      expect([...(yield* server.read)]).toEqual([0, 0, 0, 1, 1])
      expect((yield* Effect.flip(server.read)).reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(server.write(bytes(0)))).reason).toBe("ClosedByPeer")
    }))

  it.scoped("garbage from the server fails the client with Malformed and drops the connection", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      yield* server.write(bytes(0x42, 0x41, 0x44, 0x21))
      expect((yield* Effect.flip(client.receive)).reason).toBe("Malformed")
      expect((yield* Effect.flip(client.receive)).reason).toBe("Malformed")
      expect((yield* Effect.flip(server.read)).reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(server.write(encodeFrame(bytes(1))))).reason).toBe("ClosedByPeer")
    }))

  it.scoped("a length above maxFrameSize fails the client with FrameTooLarge", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair({ maxFrameSize: 16 })
      yield* server.write(encodeFrame(new Uint8Array(17)))
      expect((yield* Effect.flip(client.receive)).reason).toBe("FrameTooLarge")
    }))

  it.effect("closing the scope closes both ends", () =>
    Effect.gen(function*() {
      const [client, server] = yield* Effect.scoped(MemoryTransport.makePair())
      expect((yield* Effect.flip(client.receive)).reason).toBe("Closed")
      expect((yield* Effect.flip(server.read)).reason).toBe("Closed")
    }))
  it.scoped("a receive interrupted while it waits loses no frame: the next receive, or another waiting one, gets it", () =>
    Effect.gen(function*() {
      const [client, server] = yield* MemoryTransport.makePair()
      const gaveUp = yield* Effect.fork(client.receive)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gaveUp)
      yield* server.write(encodeFrame(bytes(1)))
      expect([...(yield* client.receive)]).toEqual([1])

      const first = yield* Effect.fork(client.receive)
      const second = yield* Effect.fork(client.receive)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      yield* server.write(encodeFrame(bytes(2)))
      expect([...(yield* Fiber.join(second))]).toEqual([2])
    }))
})
