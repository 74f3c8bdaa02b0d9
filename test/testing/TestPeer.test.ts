// The scriptable test peer over memory and TCP loopback. Header layout: MS-SMB2 2.2.1; ERROR
// response body: MS-SMB2 2.2.2; ECHO request/response (StructureSize 4): MS-SMB2 2.2.28/2.2.29;
// unsolicited messages use MessageId 0xFFFFFFFFFFFFFFFF: MS-SMB2 3.2.5.1.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { TestPeer } from "../../src/testing/index.js"
import * as TcpTransport from "../../src/transport/TcpTransport.js"
import { Transport, type TransportShape } from "../../src/transport/Transport.js"
import { Command } from "../../src/wire/Command.js"
import { decodeHeader, type Header, HeaderFlags, makeHeader, UNSOLICITED_MESSAGE_ID } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"

const echoBody = Uint8Array.of(4, 0, 0, 0)
const request = (messageId: bigint, fields: Partial<Header> = {}): Uint8Array =>
  TestPeer.encodeMessage(makeHeader({ command: Command.ECHO, messageId, credits: 1, ...fields }), echoBody)

const header = (message: Uint8Array): Header => {
  const decoded = decodeHeader(message)
  if (Either.isLeft(decoded)) throw decoded.left
  return decoded.right
}

const receiveHeader = (transport: TransportShape) => Effect.map(transport.receive, header)

describe("TestPeer", () => {
  it.scoped("round trip: the peer reads a request and the client gets its response", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* transport.send(request(5n, { sessionId: 0x1122n, treeId: 7, credits: 3 }))
      const req = yield* peer.next
      expect(req.kind).toBe("smb2")
      expect(req.header.command).toBe(Command.ECHO)
      expect(req.header.messageId).toBe(5n)
      expect([...req.body]).toEqual([...echoBody])
      yield* peer.respond(req)
      const frame = yield* transport.receive
      const h = header(frame)
      expect(h.flags).toBe(HeaderFlags.SERVER_TO_REDIR)
      expect([h.messageId, h.status, h.credits, h.sessionId, h.treeId]).toEqual([5n, 0, 1, 0x1122n, 7])
      expect([...frame.subarray(64)]).toEqual([4, 0, 0, 0])
    }))

  it.scoped("answers out of order, twice, to ids never sent, with chosen credits", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* Effect.forEach([1n, 2n, 3n], (id) => transport.send(request(id)), { discard: true })
      const [a, b, c] = yield* peer.take(3)
      yield* peer.respond(c!, { credits: 0 })
      yield* peer.respond(a!, { credits: 10 })
      yield* peer.respond(a!)
      yield* peer.respond(b!, { messageId: 99n, status: Status.ACCESS_DENIED })
      const got = yield* Effect.replicateEffect(transport.receive, 4)
      expect(got.map((f) => [header(f).messageId, header(f).credits])).toEqual([[3n, 0], [1n, 10], [1n, 1], [99n, 1]])
      const denied = got[3]!
      expect(header(denied).status).toBe(Status.ACCESS_DENIED)
      expect([...denied.subarray(64)]).toEqual([9, 0, 0, 0, 0, 0, 0, 0, 0])
    }))

  it.scoped("sends an interim STATUS_PENDING and later the final response with the same async id", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* transport.send(request(8n))
      const req = yield* peer.next
      yield* peer.pending(req, 0xabcdn, { credits: 2 })
      yield* peer.respondAsync(req, 0xabcdn, { credits: 0 })
      const interim = yield* transport.receive
      const final = header(yield* transport.receive)
      const i = header(interim)
      expect([i.status, i.messageId, i.asyncId, i.credits]).toEqual([Status.PENDING, 8n, 0xabcdn, 2])
      expect(i.flags).toBe(HeaderFlags.SERVER_TO_REDIR | HeaderFlags.ASYNC_COMMAND)
      expect(interim.byteLength).toBe(64 + 9)
      expect([final.status, final.messageId, final.asyncId, final.credits]).toEqual([Status.SUCCESS, 8n, 0xabcdn, 0])
      expect(final.flags & HeaderFlags.ASYNC_COMMAND).toBe(HeaderFlags.ASYNC_COMMAND)
    }))

  it.scoped("pushes unsolicited messages, 100,000 of them quickly", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      const body = new Uint8Array(24).fill(1)
      yield* peer.notify({ command: Command.OPLOCK_BREAK, body, sessionId: 3n })
      const one = header(yield* transport.receive)
      expect([one.messageId, one.command, one.sessionId, one.flags]).toEqual([
        UNSOLICITED_MESSAGE_ID,
        Command.OPLOCK_BREAK,
        3n,
        HeaderFlags.SERVER_TO_REDIR
      ])
      yield* peer.notify({ command: Command.OPLOCK_BREAK, body, count: 100_000 })
      let unsolicited = 0
      for (let i = 0; i < 100_000; i++) {
        const frame = yield* transport.receive
        if (frame.byteLength === 88 && header(frame).messageId === UNSOLICITED_MESSAGE_ID) unsolicited++
      }
      expect(unsolicited).toBe(100_000)
    }))

  it.scoped("splits a compound request and can answer it with a compound response", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      const first = request(1n, { nextCommand: 72 })
      const second = request(2n, { flags: HeaderFlags.RELATED_OPERATIONS })
      const frame = new Uint8Array(72 + second.byteLength)
      frame.set(first)
      frame.set(second, 72)
      yield* transport.send(frame)
      const [a, b] = yield* peer.take(2)
      expect([a!.header.messageId, b!.header.messageId]).toEqual([1n, 2n])
      expect(a!.message.byteLength).toBe(72)
      expect(b!.frame).toBe(a!.frame)
      yield* peer.respondCompound([[a!], [b!, { status: Status.NOT_SUPPORTED }]])
      const response = yield* transport.receive
      const h1 = header(response)
      expect(h1.nextCommand).toBe(72)
      const h2 = header(response.subarray(72))
      expect([h2.messageId, h2.status, h2.nextCommand]).toEqual([2n, Status.NOT_SUPPORTED, 0])
      expect(h2.flags).toBe(HeaderFlags.SERVER_TO_REDIR | HeaderFlags.RELATED_OPERATIONS)
      expect(response.byteLength).toBe(72 + 64 + 9)
    }))

  it.scoped("recognises an SMB1 negotiate and answers it as SMB2 NEGOTIATE with message id 0", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      const smb1 = new Uint8Array(40)
      smb1.set([0xff, 0x53, 0x4d, 0x42, 0x72])
      yield* transport.send(smb1)
      const req = yield* peer.next
      expect([req.kind, req.header.command, req.body.byteLength]).toEqual(["smb1", -1, 8])
      yield* peer.respond(req)
      const h = header(yield* transport.receive)
      expect([h.command, h.messageId]).toEqual([Command.NEGOTIATE, 0n])
    }))

  it.scoped("passes along a frame that is not an SMB2 message as kind other", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* transport.send(Uint8Array.of(0xfd, 0x53, 0x4d, 0x42, 1, 2))
      const req = yield* peer.next
      expect([req.kind, req.message.byteLength]).toEqual(["other", 6])
    }))

  it.scoped("raw garbage reaches the client deframer as Malformed", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* peer.sendRaw(Uint8Array.of(0x85, 0, 0, 0))
      expect((yield* Effect.flip(transport.receive)).reason).toBe("Malformed")
    }))

  it.scopedLive("a 16 MiB length header followed by nothing leaves the client waiting, then closing ends it", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* peer.sendRaw(Uint8Array.of(0, 0xff, 0xff, 0xff))
      expect(Option.isNone(yield* Effect.timeoutOption(transport.receive, "30 millis"))).toBe(true)
      yield* peer.close
      const error = yield* Effect.flip(transport.receive)
      expect(error.reason).toBe("ClosedByPeer")
      expect(error.detail).toContain("middle of a frame")
    }))

  it.scoped("dropMidFrame gives ClosedByPeer on the client", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* transport.send(request(1n))
      const req = yield* peer.next
      yield* peer.dropMidFrame(TestPeer.encodeResponse(req))
      const error = yield* Effect.flip(transport.receive)
      expect(error.reason).toBe("ClosedByPeer")
      expect(error.detail).toContain("middle of a frame")
      expect((yield* Effect.flip(peer.respond(req))).reason).toBe("Closed")
    }))

  it.scoped("sendMessage and sendFrame send what they are given", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* peer.sendMessage(makeHeader({ command: Command.ECHO, messageId: 4n }), echoBody)
      const h = header(yield* transport.receive)
      expect([h.messageId, h.flags]).toEqual([4n, 0])
      yield* peer.sendFrame([Uint8Array.of(1), Uint8Array.of(2)])
      expect([...(yield* transport.receive)]).toEqual([1, 2])
    }))

  it.scoped("the client closing ends the peer's stream with ClosedByPeer", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* transport.send(request(1n))
      yield* transport.close
      expect((yield* peer.next).header.messageId).toBe(1n)
      expect((yield* Effect.flip(peer.next)).reason).toBe("ClosedByPeer")
    }))

  it.scopedLive("serve with echoHandler answers every request, granting what was asked, and not CANCEL", () =>
    Effect.gen(function*() {
      const { peer, transport } = yield* TestPeer.makeMemory()
      yield* peer.serve(TestPeer.echoHandler)
      yield* transport.send(request(1n, { credits: 0 }))
      yield* transport.send(request(2n, { command: Command.CANCEL }))
      yield* transport.send(request(3n, { credits: 64 }))
      const a = yield* receiveHeader(transport)
      const b = yield* receiveHeader(transport)
      expect([a.messageId, a.credits, b.messageId, b.credits]).toEqual([1n, 1, 3n, 64])
      expect(Option.isNone(yield* Effect.timeoutOption(transport.receive, "20 millis"))).toBe(true)
    }))

  it.effect("layer gives code under test a Transport answered by a handler", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      yield* transport.send(request(11n, { credits: 2 }))
      const h = yield* receiveHeader(transport)
      expect([h.messageId, h.credits, h.status]).toEqual([11n, 2, Status.SUCCESS])
    }).pipe(Effect.provide(TestPeer.layer())))

  it.scopedLive("over TCP loopback: serves a TcpTransport client the same way", () =>
    Effect.gen(function*() {
      const server = yield* TestPeer.makeTcp()
      const transport = yield* TcpTransport.make({ host: "127.0.0.1", port: server.port })
      const peer = yield* server.connections
      yield* peer.serve(TestPeer.echoHandler)
      yield* transport.send(request(21n))
      yield* transport.send(request(22n))
      const a = yield* receiveHeader(transport)
      const b = yield* receiveHeader(transport)
      expect([a.messageId, b.messageId]).toEqual([21n, 22n])
    }))

  it.scopedLive("over TCP loopback: pending, notifications and dropMidFrame", () =>
    Effect.gen(function*() {
      const server = yield* TestPeer.makeTcp()
      const transport = yield* TcpTransport.make({ host: "127.0.0.1", port: server.port })
      const peer = yield* server.connections
      yield* transport.send(request(1n))
      const req = yield* peer.next
      yield* peer.pending(req, 77n)
      yield* peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array(24), count: 1000 })
      expect((yield* receiveHeader(transport)).asyncId).toBe(77n)
      const notes = yield* Effect.replicateEffect(receiveHeader(transport), 1000)
      expect(notes.every((h) => h.messageId === UNSOLICITED_MESSAGE_ID)).toBe(true)
      yield* peer.dropMidFrame(TestPeer.encodeResponse(req))
      const error = yield* Effect.flip(transport.receive)
      expect(error.reason).toBe("ClosedByPeer")
      expect(error.detail).toContain("middle of a frame")
    }))

  it.scopedLive("over TCP loopback: the client closing ends the peer's stream", () =>
    Effect.gen(function*() {
      const server = yield* TestPeer.makeTcp()
      const transport = yield* TcpTransport.make({ host: "127.0.0.1", port: server.port })
      const peer = yield* server.connections
      yield* transport.send(request(1n))
      expect((yield* peer.next).header.messageId).toBe(1n)
      yield* transport.close
      expect((yield* Effect.flip(peer.next)).reason).toBe("ClosedByPeer")
    }))
})
