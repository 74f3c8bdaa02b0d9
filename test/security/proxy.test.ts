/**
 * The tampering proxy itself (test/support/tamper): the direct-TCP framing (frames cut anywhere,
 * several in one chunk), the SMB2 rewrites checked against the client's own decoders, the proxy's
 * hooks against a scripted loopback server, and one pass-through run against the real Samba.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { createServer, connect } from "node:net"
import type { AddressInfo, Server, Socket } from "node:net"
import * as Files from "../../src/client/Files.js"
import { Command } from "../../src/wire/Command.js"
import { readHeader, HeaderFlags } from "../../src/wire/Header.js"
import { decodeNegotiateResponse, encodeNegotiateResponse, SecurityMode } from "../../src/wire/Negotiate.js"
import { concatBytes, Reader } from "../../src/wire/Reader.js"
import { decodeServerNotification, NotificationType } from "../../src/wire/ServerNotification.js"
import { decodeSessionSetupResponse, encodeSessionSetupResponse } from "../../src/wire/SessionSetup.js"
import { describeSamba } from "../support/samba/index.js"
import { FrameSplitter, FramingError, frameOf, scopedProxy, Smb2, startProxy } from "../support/tamper/index.js"
import type { TamperProxy } from "../support/tamper/index.js"
import { scenario } from "../samba/scenario.js"

const bytes = (...values: Array<number>) => new Uint8Array(values)
const filled = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff)
const concat = (...parts: Array<Uint8Array>) => concatBytes(parts)
const header = (message: Uint8Array) => readHeader(new Reader(message, "Header"))

describe("direct-TCP framing", () => {
  const a = filled(100, 1)
  const b = filled(3, 2)
  const c = filled(70_000, 3)
  const stream = concat(frameOf(a), frameOf(b), frameOf(new Uint8Array(0)), frameOf(c))

  it("prefixes a zero and a 24-bit big-endian length", () => {
    expect([...frameOf(filled(0x010203, 0)).subarray(0, 4)]).toEqual([0, 1, 2, 3])
    expect(() => frameOf(new Uint8Array(0x1000000))).toThrow(FramingError)
  })

  it("yields several frames from one chunk", () => {
    const frames = new FrameSplitter().push(stream)
    expect(frames.map((f) => f.byteLength)).toEqual([100, 3, 0, 70_000])
    expect(frames[0]).toEqual(a)
    expect(frames[3]).toEqual(c)
  })

  it("reassembles frames cut at every possible place, and byte by byte", () => {
    for (const cut of [1, 2, 3, 4, 5, 103, 104, 105, 107, 108, 111, 112, 5000]) {
      const splitter = new FrameSplitter()
      const frames = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))]
      expect(frames.map((f) => f.byteLength)).toEqual([100, 3, 0, 70_000])
      expect(splitter.pending).toBe(0)
    }
    const splitter = new FrameSplitter()
    const small = concat(frameOf(a), frameOf(b))
    const frames = [...small].flatMap((byte) => splitter.push(bytes(byte)))
    expect(frames).toEqual([a, b])
  })

  it("keeps a partial frame pending and rejects a prefix that does not start with 0", () => {
    const splitter = new FrameSplitter()
    expect(splitter.push(frameOf(a).subarray(0, 50))).toEqual([])
    expect(splitter.pending).toBe(50)
    expect(() => new FrameSplitter().push(bytes(0x85, 0, 0, 0))).toThrow(FramingError)
  })
})

describe("SMB2 rewrites", () => {
  const signedResponse = (command: number, messageId: bigint, sessionId: bigint, body: Uint8Array) => {
    const m = Smb2.buildMessage({ command, messageId, sessionId, flags: Smb2.Flags.SERVER_TO_REDIR | Smb2.Flags.SIGNED }, body)
    m.set(filled(16, 9), Smb2.Offset.Signature)
    return m
  }
  const compound = () => {
    const first = signedResponse(Command.CREATE, 5n, 0x11n, filled(24, 1))
    const second = signedResponse(Command.CLOSE, 6n, 0x11n, filled(12, 2))
    new DataView(first.buffer).setUint32(Smb2.Offset.NextCommand, first.byteLength, true)
    return concat(first, second)
  }

  it("reads headers with the client's own decoder's view", () => {
    const m = signedResponse(Command.READ, 42n, 0x1234n, filled(20, 0))
    const ours = Smb2.headerAt(m)
    const theirs = header(m)
    expect(ours).toMatchObject({ command: theirs.command, messageId: theirs.messageId, sessionId: theirs.sessionId, flags: theirs.flags })
    expect(ours.signed && ours.response).toBe(true)
    expect(Smb2.describeFrame(m)).toContain("mid=42")
  })

  it("strips SIGNED and zeroes the signature of every message of a compound, input untouched", () => {
    const input = compound()
    const before = new Uint8Array(input)
    const out = Smb2.stripSignatures(input)
    expect(input).toEqual(before)
    expect(Smb2.messageOffsets(out)).toEqual([0, 88])
    for (const h of Smb2.headers(out)) {
      expect(h.flags & HeaderFlags.SIGNED).toBe(0)
      expect(h.signature).toEqual(new Uint8Array(16))
    }
    const unsigned = Smb2.buildEchoResponse(3n)
    expect(Smb2.stripSignatures(unsigned)).toEqual(unsigned)
  })

  it("rewrites the SessionId of each message, and of a TRANSFORM header", () => {
    const out = Smb2.setSessionId(compound(), 0n)
    expect(Smb2.headers(out).map((h) => h.sessionId)).toEqual([0n, 0n])
    const transform = concat(bytes(0xfd, 0x53, 0x4d, 0x42), new Uint8Array(48), filled(40, 0))
    new DataView(transform.buffer).setBigUint64(44, 0x77n, true)
    expect(Smb2.transformSessionId(transform)).toBe(0x77n)
    expect(Smb2.transformSessionId(Smb2.setSessionId(transform, 0n))).toBe(0n)
  })

  it("weakens a NEGOTIATE response: SIGNING_REQUIRED cleared, contexts dropped", () => {
    const response = {
      securityMode: SecurityMode.SIGNING_ENABLED | SecurityMode.SIGNING_REQUIRED,
      dialectRevision: 0x311,
      serverGuid: filled(16, 4),
      capabilities: 0x4f,
      maxTransactSize: 65536,
      maxReadSize: 65536,
      maxWriteSize: 65536,
      systemTime: 1n,
      serverStartTime: 0n,
      securityBuffer: filled(10, 5),
      negotiateContexts: [{ _tag: "Signing" as const, algorithms: [2] }]
    }
    const message = Smb2.buildMessage({ command: Command.NEGOTIATE, messageId: 1n }, encodeNegotiateResponse(response))
    expect(Smb2.isNegotiateResponse(message)).toBe(true)
    const cleared = Either.getOrThrow(decodeNegotiateResponse(Smb2.weakenNegotiateResponse(message)))
    expect(cleared.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
    expect(cleared.negotiateContexts).toHaveLength(1)
    const dropped = Either.getOrThrow(decodeNegotiateResponse(Smb2.weakenNegotiateResponse(message, { dropContexts: true })))
    expect(dropped.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
    expect(dropped.negotiateContexts).toHaveLength(0)
    expect(dropped.securityBuffer).toEqual(filled(10, 5))
    const echo = Smb2.buildEchoResponse(1n)
    expect(Smb2.weakenNegotiateResponse(echo)).toEqual(echo)
  })

  it("sets IS_GUEST in a SESSION_SETUP response", () => {
    const body = encodeSessionSetupResponse({ sessionFlags: 0, securityBuffer: filled(8, 6) })
    const message = Smb2.buildMessage({ command: Command.SESSION_SETUP, messageId: 3n, sessionId: 9n }, body)
    expect(Smb2.isFinalSessionSetupResponse(message)).toBe(true)
    const guest = Smb2.setSessionFlags(message, Smb2.SessionFlags.IS_GUEST)
    expect(Either.getOrThrow(decodeSessionSetupResponse(guest)).sessionFlags).toBe(1)
    expect(Smb2.sessionFlagsOf(guest)).toBe(1)
  })

  it("forges a SESSION_CLOSED notification and plain responses the client's decoders accept", () => {
    const notification = Smb2.buildSessionClosedNotification(0xabcn)
    const h = header(notification)
    expect(h).toMatchObject({ command: Command.SERVER_TO_CLIENT_NOTIFICATION, messageId: 0xffffffffffffffffn, sessionId: 0xabcn })
    expect(h.flags).toBe(HeaderFlags.SERVER_TO_REDIR)
    expect(Either.getOrThrow(decodeServerNotification(notification)).notificationType).toBe(NotificationType.SESSION_CLOSED)
    expect(notification.byteLength).toBe(64 + 12)
    const read = Smb2.buildReadResponse(7n, filled(5, 1), 2n, 3)
    expect(read[64 + 2]).toBe(80)
    expect(read.subarray(80)).toEqual(filled(5, 1))
  })

  it("flips one bit: ciphertext, body", () => {
    const transform = concat(bytes(0xfd, 0x53, 0x4d, 0x42), new Uint8Array(48), new Uint8Array(40))
    const flipped = Smb2.flipCiphertextBit(transform, 3, 2)
    expect(flipped[52 + 3]).toBe(4)
    expect(flipped.subarray(0, 52)).toEqual(transform.subarray(0, 52))
    expect(() => Smb2.flipCiphertextBit(Smb2.buildEchoResponse(1n))).toThrow(RangeError)
    const echo = Smb2.buildEchoResponse(1n)
    expect(Smb2.flipBodyBit(echo)[67]).toBe(1)
  })
})

describe("the proxy against a scripted loopback server", () => {
  // The server answers each frame with the same frame, its first byte replaced by 0xEE.
  let server: Server
  let target: number
  const serverSockets = new Set<Socket>()
  beforeAll(async () => {
    server = createServer((socket) => {
      serverSockets.add(socket)
      socket.on("close", () => serverSockets.delete(socket))
      const splitter = new FrameSplitter()
      socket.on("data", (chunk: Buffer) => {
        for (const frame of splitter.push(new Uint8Array(chunk))) {
          const answer = new Uint8Array(frame)
          if (answer.byteLength > 0) answer[0] = 0xee
          socket.write(frameOf(answer))
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    target = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    for (const s of serverSockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  /** A raw client: writes bytes in the chunks given, collects the frames that come back. */
  const client = async (proxy: TamperProxy) => {
    const socket = connect({ host: proxy.host, port: proxy.port })
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve)
      socket.once("error", reject)
    })
    const splitter = new FrameSplitter()
    const received: Array<Uint8Array> = []
    const waiters: Array<() => void> = []
    socket.on("data", (chunk: Buffer) => {
      received.push(...splitter.push(new Uint8Array(chunk)))
      for (const w of waiters.splice(0)) w()
    })
    const until = async (n: number) => {
      while (received.length < n) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`only ${received.length} of ${n} frames`)), 2_000)
          waiters.push(() => {
            clearTimeout(t)
            resolve()
          })
        })
      }
      return received
    }
    return { socket, received, until }
  }

  it("forwards frames written in odd chunks, records both directions, and closes cleanly", async () => {
    const proxy = await startProxy({ targetHost: "127.0.0.1", targetPort: target })
    const c = await client(proxy)
    const frames = [filled(10, 1), filled(3000, 2), filled(1, 3)]
    const wire = concat(...frames.map(frameOf))
    // one frame cut in three, and two frames in one write
    c.socket.write(wire.subarray(0, 7))
    await new Promise((r) => setTimeout(r, 10))
    c.socket.write(wire.subarray(7, 20))
    c.socket.write(wire.subarray(20))
    const back = await c.until(3)
    expect(back.map((f) => f.byteLength)).toEqual([10, 3000, 1])
    expect(back[1]![0]).toBe(0xee)
    expect(back[1]!.subarray(1)).toEqual(frames[1]!.subarray(1))
    expect(proxy.records({ direction: "toServer" }).map((r) => r.original)).toEqual(frames)
    expect(proxy.records({ direction: "toClient" })).toHaveLength(3)
    expect(proxy.counts()).toMatchObject({ connections: 1, open: 1, toServer: { seen: 3, forwarded: 3 }, toClient: { seen: 3 } })
    const began = Date.now()
    await proxy.close()
    expect(Date.now() - began).toBeLessThan(2_500)
    expect(proxy.counts().open).toBe(0)
    await new Promise<void>((resolve) => (c.socket.destroyed ? resolve() : c.socket.once("close", () => resolve())))
  })

  it("modifies, drops and injects in both directions", async () => {
    const proxy = await startProxy({ targetHost: "127.0.0.1", targetPort: target })
    proxy.setHooks({
      toServer: (frame, ctx) => {
        if (frame[1] === 0xdd) return "drop"
        if (frame[1] === 0xaa) {
          ctx.inject("toClient", bytes(0x11, 0x22))
          return bytes(0x01, 0xbb)
        }
        return undefined
      },
      toClient: (frame) => (frame[1] === 0xbb ? bytes(0xee, 0xcc) : "pass")
    })
    const c = await client(proxy)
    c.socket.write(concat(frameOf(bytes(1, 0xdd)), frameOf(bytes(1, 0xaa)), frameOf(bytes(1, 0x05))))
    const back = await c.until(3)
    expect(back).toEqual([bytes(0x11, 0x22), bytes(0xee, 0xcc), bytes(0xee, 0x05)])
    proxy.inject("toClient", bytes(0x99))
    proxy.inject("toServer", bytes(0x42, 0x43))
    expect(await c.until(5)).toEqual([bytes(0x11, 0x22), bytes(0xee, 0xcc), bytes(0xee, 0x05), bytes(0x99), bytes(0xee, 0x43)])
    const counts = proxy.counts()
    expect(counts.toServer).toEqual({ seen: 3, forwarded: 2, modified: 1, dropped: 1, injected: 1 })
    expect(counts.toClient).toEqual({ seen: 3, forwarded: 3, modified: 1, dropped: 0, injected: 2 })
    const dropped = proxy.records({ direction: "toServer" }).find((r) => r.forwarded === null)
    expect(dropped?.original).toEqual(bytes(1, 0xdd))
    expect(await proxy.waitFor((r) => r.injected && r.direction === "toServer")).toMatchObject({ original: bytes(0x42, 0x43) })
    proxy.reset()
    expect(proxy.records()).toHaveLength(0)
    await proxy.close()
    await proxy.close()
  })

  it("closes the connection on a bad prefix and refuses non-loopback targets", async () => {
    const proxy = await startProxy({ targetHost: "127.0.0.1", targetPort: target })
    const c = await client(proxy)
    c.socket.write(bytes(0x81, 0, 0, 1, 0))
    await new Promise<void>((resolve) => c.socket.once("close", () => resolve()))
    expect(proxy.counts().errors[0]).toMatch(/framing/)
    await proxy.close()
    await expect(startProxy({ targetHost: "10.0.0.1", targetPort: 445 })).rejects.toThrow(/127\.0\.0\.0\/8/)
  })
})

describeSamba("the proxy between the client and Samba", (servers) => {
  it.scopedLive("passes a signed session through untouched: ECHO, write, list, read", () =>
    Effect.gen(function*() {
      const server = servers.signing
      const proxy = yield* scopedProxy({ targetHost: server.host, targetPort: server.port })
      const { connection, session, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      expect(session.signingRequired).toBe(true)
      const echo = yield* connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: bytes(4, 0, 0, 0) })
      expect(echo.verified).toBe(true)
      const name = `proxy-smoke-${process.pid}-${Date.now()}.txt`
      yield* Files.writeFile(tree, name, new TextEncoder().encode("through the proxy"))
      const listed = yield* Stream.runCollect(Files.list(tree, ""))
      expect(Chunk.toArray(listed).map((e) => e.name)).toContain(name)
      expect(new TextDecoder().decode(yield* Files.readFile(tree, name))).toBe("through the proxy")
      yield* Files.remove(tree, name)
      const counts = proxy.counts()
      expect(counts.connections).toBe(1)
      expect(counts.toServer.modified + counts.toClient.modified + counts.toServer.dropped + counts.toClient.dropped).toBe(0)
      // every request after the session was established went out signed
      const requests = proxy.records({ direction: "toServer" }).map((r) => Smb2.headerAt(r.original))
      const afterSetup = requests.filter((h) => h.sessionId === session.id && h.command !== Command.SESSION_SETUP)
      expect(afterSetup.length).toBeGreaterThan(4)
      expect(afterSetup.every((h) => h.signed)).toBe(true)
      // the AUTHENTICATE_MESSAGE names the server we meant to reach (MsvAvTargetName)
      const spn = Buffer.from(`cifs/${proxy.host}`, "utf16le")
      const setups = proxy.records({ direction: "toServer" }).filter((r) => Smb2.headerAt(r.original).command === Command.SESSION_SETUP)
      expect(setups.map((r) => Buffer.from(r.original).includes(spn))).toEqual([false, true])
    }))
})
