// The TCP transport against node:net servers on 127.0.0.1 (ephemeral ports). Framing per
// MS-SMB2 2.1: 0x00, 24-bit big-endian length, message.
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Net from "node:net"
import type { TransportError } from "../../src/errors.js"
import { encodeFrame } from "../../src/transport/Framing.js"
import * as TcpTransport from "../../src/transport/TcpTransport.js"

interface TestServer {
  readonly port: number
  /** Everything the server received, per connection. */
  readonly received: Array<Array<Buffer>>
  /** Resolves with the first accepted connection. */
  readonly connection: Deferred.Deferred<Net.Socket>
}

/** A scripted server, acquired before the client so that it closes after it. */
const makeServer = (onConnection: (socket: Net.Socket) => void = () => undefined) =>
  Effect.gen(function*() {
    const connection = yield* Deferred.make<Net.Socket>()
    const received: Array<Array<Buffer>> = []
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      sockets.add(socket)
      const chunks: Array<Buffer> = []
      received.push(chunks)
      socket.on("data", (chunk: Buffer) => chunks.push(chunk))
      socket.on("error", () => undefined)
      Deferred.unsafeDone(connection, Effect.succeed(socket))
      onConnection(socket)
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address() as Net.AddressInfo
    return { port: address.port, received, connection } satisfies TestServer
  })

const echo = (socket: Net.Socket) => socket.pipe(socket)
const connect = (port: number, options?: Partial<TcpTransport.Options>) =>
  TcpTransport.make({ host: "127.0.0.1", port, ...options })
const bytes = (...values: Array<number>) => Uint8Array.from(values)
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))
const closed = (socket: Net.Socket) => new Promise<void>((resolve) => socket.once("close", () => resolve()))
const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length

describe("TcpTransport", () => {
  it.scopedLive("sends frames with the session header and receives them back", () =>
    Effect.gen(function*() {
      const server = yield* makeServer(echo)
      const transport = yield* connect(server.port)
      yield* transport.send(bytes(1, 2, 3))
      yield* transport.send([bytes(4, 5), bytes(), bytes(6)])
      expect([...(yield* transport.receive)]).toEqual([1, 2, 3])
      expect([...(yield* transport.receive)]).toEqual([4, 5, 6])
      expect([...Buffer.concat(server.received[0]!)]).toEqual([0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 3, 4, 5, 6])
    }))

  it.scopedLive("reassembles a frame the server writes in three pieces with delays", () =>
    Effect.gen(function*() {
      const frame = encodeFrame(bytes(10, 11, 12, 13, 14, 15, 16))
      const server = yield* makeServer((socket) => {
        void (async () => {
          socket.write(frame.subarray(0, 2))
          await sleep(20)
          socket.write(frame.subarray(2, 6))
          await sleep(20)
          socket.write(frame.subarray(6))
        })()
      })
      const transport = yield* connect(server.port)
      expect([...(yield* transport.receive)]).toEqual([10, 11, 12, 13, 14, 15, 16])
    }))

  it.scopedLive("splits many frames written in one chunk", () =>
    Effect.gen(function*() {
      const server = yield* makeServer((socket) => {
        socket.write(Buffer.concat([encodeFrame(bytes(1)), encodeFrame(bytes(2, 2)), encodeFrame(bytes(3, 3, 3))]))
      })
      const transport = yield* connect(server.port)
      const frames = yield* Effect.replicateEffect(transport.receive, 3)
      expect(frames.map((f) => [...f])).toEqual([[1], [2, 2], [3, 3, 3]])
    }))

  it.scopedLive("round-trips 32 MiB in 8 MiB frames", () =>
    Effect.gen(function*() {
      const server = yield* makeServer(echo)
      const transport = yield* connect(server.port)
      const payload = new Uint8Array(8 << 20).map((_, i) => i % 251)
      const header = new Uint8Array(64).fill(0xfe)
      yield* Effect.fork(Effect.repeatN(transport.send([header, payload]), 3))
      for (let i = 0; i < 4; i++) {
        const frame = yield* transport.receive
        expect(frame.byteLength).toBe(64 + (8 << 20))
        expect(Buffer.compare(frame.subarray(64), payload)).toBe(0)
      }
    }), 20_000)

  it.live("fails with Refused when nothing listens", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(makeServer(), (s) => s.port))
      const error = yield* Effect.flip(Effect.scoped(connect(port)))
      expect(error.reason).toBe("Refused")
    }))

  it.live("fails with ConnectTimeout when the connection does not open in time", () =>
    Effect.gen(function*() {
      // A socket that never connects: loopback cannot produce a silent host deterministically.
      let socket: Net.Socket | undefined
      const error = yield* Effect.flip(Effect.scoped(TcpTransport.make({
        host: "127.0.0.1",
        connectTimeout: "50 millis",
        connect: () => (socket = new Net.Socket())
      })))
      expect(error.reason).toBe("ConnectTimeout")
      expect(socket?.destroyed).toBe(true)
    }))

  it.scopedLive("releases the socket at once when interrupted while connecting", () =>
    Effect.gen(function*() {
      let socket: Net.Socket | undefined
      const result = yield* Effect.timeoutOption(
        TcpTransport.make({ host: "127.0.0.1", connect: () => (socket = new Net.Socket()) }),
        "20 millis"
      )
      expect(result._tag).toBe("None")
      expect(socket?.destroyed).toBe(true)
    }))

  it.scopedLive("fails pending and later receives with ClosedByPeer when the server closes, after the frames it sent", () =>
    Effect.gen(function*() {
      const server = yield* makeServer()
      const transport = yield* connect(server.port)
      const socket = yield* Deferred.await(server.connection)
      socket.write(encodeFrame(bytes(7)))
      expect([...(yield* transport.receive)]).toEqual([7])
      const pending = yield* Effect.fork(transport.receive)
      yield* Effect.sleep("20 millis")
      socket.end()
      const error = yield* Effect.flip(Fiber.join(pending))
      expect(error.reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(transport.receive)).reason).toBe("ClosedByPeer")
      expect((yield* Effect.flip(transport.send(bytes(1)))).reason).toBe("ClosedByPeer")
    }))

  it.scopedLive("says so when the server closes in the middle of a frame", () =>
    Effect.gen(function*() {
      const server = yield* makeServer((socket) => socket.end(encodeFrame(bytes(1, 2, 3, 4)).subarray(0, 6)))
      const transport = yield* connect(server.port)
      const error = yield* Effect.flip(transport.receive)
      expect(error.reason).toBe("ClosedByPeer")
      expect(error.detail).toContain("middle of a frame")
    }))

  it.live("closing the scope closes the socket and leaves no TCP handle behind", () =>
    Effect.gen(function*() {
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* makeServer()
        const socket = yield* Effect.scoped(Effect.gen(function*() {
          const transport = yield* connect(server.port)
          yield* transport.send(bytes(1))
          return yield* Deferred.await(server.connection)
        }))
        yield* Effect.promise(() => closed(socket))
        expect(Buffer.concat(server.received[0]!).byteLength).toBe(5)
      }))
      // Handles close asynchronously (earlier tests' too): wait, bounded, for none to be left.
      let left = tcpHandles()
      for (let i = 0; i < 100 && left > 0; i++) {
        yield* Effect.sleep("10 millis")
        left = tcpHandles()
      }
      expect(left).toBe(0)
    }))

  it.scopedLive("close fails pending and later receives and sends with Closed, and is idempotent", () =>
    Effect.gen(function*() {
      const server = yield* makeServer()
      const transport = yield* connect(server.port)
      const socket = yield* Deferred.await(server.connection)
      const pending = yield* Effect.fork(transport.receive)
      yield* Effect.sleep("10 millis")
      yield* transport.close
      yield* transport.close
      const errors: Array<TransportError> = [
        yield* Effect.flip(Fiber.join(pending)),
        yield* Effect.flip(transport.receive),
        yield* Effect.flip(transport.send(bytes(1)))
      ]
      expect(errors.map((e) => e.reason)).toEqual(["Closed", "Closed", "Closed"])
      yield* Effect.promise(() => closed(socket))
    }))

  it.scopedLive("write tells when the frame's bytes have left its buffers, once, and not when it fails", () =>
    Effect.gen(function*() {
      const server = yield* makeServer(echo)
      const transport = yield* connect(server.port)
      let written = 0
      expect(transport.write!([bytes(1, 2), bytes(3)], () => written++)).toBeUndefined()
      // Corked until the end of this turn: nothing has been written yet.
      expect(written).toBe(0)
      expect([...(yield* transport.receive)]).toEqual([1, 2, 3])
      expect(written).toBe(1)
      yield* transport.close
      const failed = transport.write!(bytes(4), () => written++)
      expect((yield* Effect.flip(failed ?? Effect.void)).reason).toBe("Closed")
      yield* Effect.sleep("10 millis")
      expect(written).toBe(1)
    }))

  it.scopedLive("drops frames still buffered when it is closed", () =>
    Effect.gen(function*() {
      const server = yield* makeServer((socket) => socket.write(encodeFrame(bytes(1))))
      const transport = yield* connect(server.port)
      yield* Effect.sleep("30 millis")
      yield* transport.close
      expect((yield* Effect.flip(transport.receive)).reason).toBe("Closed")
    }))

  it.scopedLive("sets TCP_NODELAY by default, and not when asked not to", () =>
    Effect.gen(function*() {
      // Node 20 does not expose the socket option: watch the call that sets it.
      const server = yield* makeServer()
      const calls: Array<{ readonly requested: boolean | undefined; readonly set: Array<unknown> }> = []
      const connectWatched = (options: Net.NetConnectOpts) => {
        const socket = Net.createConnection(options)
        const call = { requested: "noDelay" in options ? options.noDelay : undefined, set: [] as Array<unknown> }
        calls.push(call)
        const original = socket.setNoDelay.bind(socket)
        socket.setNoDelay = (noDelay?: boolean) => {
          call.set.push(noDelay)
          return original(noDelay)
        }
        return socket
      }
      yield* connect(server.port, { connect: connectWatched })
      yield* connect(server.port, { connect: connectWatched, noDelay: false })
      expect(calls).toEqual([{ requested: true, set: [true] }, { requested: false, set: [false] }])
    }))

  it.scopedLive("fails with FrameTooLarge on an announced length above maxFrameSize, and drops the connection", () =>
    Effect.gen(function*() {
      const server = yield* makeServer((socket) => socket.write(bytes(0, 0, 0x08, 0x00)))
      const transport = yield* connect(server.port, { maxFrameSize: 1024 })
      const socket = yield* Deferred.await(server.connection)
      expect((yield* Effect.flip(transport.receive)).reason).toBe("FrameTooLarge")
      yield* Effect.promise(() => closed(socket))
    }))

  it.scopedLive("refuses to send a frame longer than the 24-bit length can say", () =>
    Effect.gen(function*() {
      const server = yield* makeServer(echo)
      const transport = yield* connect(server.port)
      const half = new Uint8Array(1 << 23)
      expect((yield* Effect.flip(transport.send([half, half]))).reason).toBe("FrameTooLarge")
      yield* transport.send(bytes(1))
      expect([...(yield* transport.receive)]).toEqual([1])
      expect([...Buffer.concat(server.received[0]!)]).toEqual([0, 0, 0, 1, 1])
    }))

  it.scopedLive("fails with Malformed when the stream does not start with a zero byte", () =>
    Effect.gen(function*() {
      const server = yield* makeServer((socket) => socket.write(bytes(0x85, 0, 0, 0)))
      const transport = yield* connect(server.port)
      expect((yield* Effect.flip(transport.receive)).reason).toBe("Malformed")
    }))
})
