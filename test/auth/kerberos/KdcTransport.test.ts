/**
 * The KDC transport against local fake KDCs: UDP first; a KRB_ERR_RESPONSE_TOO_BIG (or Samba's
 * KRB_ERR_GENERIC "Reply packet too large") over UDP sends the request again over TCP, with the
 * 4-byte length prefix; a KDC that does not answer is skipped for the next; none answering is
 * NoKdc. Names go through the hosts map.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createSocket } from "node:dgram"
import type { Socket as UdpSocket } from "node:dgram"
import { createServer } from "node:net"
import type { AddressInfo, Server } from "node:net"
import * as Der from "../../../src/auth/kerberos/Der.js"
import { exchange } from "../../../src/auth/kerberos/KdcTransport.js"

const krbError = (code: number, text?: string) =>
  Der.tlv(
    Der.application(30),
    Der.sequence(
      Der.field(0, Der.integer(5)),
      Der.field(1, Der.integer(30)),
      Der.field(4, Der.time(new Date())),
      Der.field(5, Der.integer(0)),
      Der.field(6, Der.integer(code)),
      Der.field(9, Der.generalString("EXAMPLE.TEST")),
      Der.field(10, Der.sequence(Der.field(0, Der.integer(2)), Der.field(1, Der.sequenceOf([Der.generalString("krbtgt")])))),
      Der.field(11, text === undefined ? undefined : Der.generalString(text))
    )
  )

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

/** A UDP and a TCP listener on one port of 127.0.0.1. */
const fakeKdc = async (udpReply: Uint8Array | undefined, tcpReply: Uint8Array) => {
  const seen = { udp: 0, tcp: [] as Array<Uint8Array> }
  const tcp: Server = createServer((socket) => {
    socket.on("data", (data) => {
      seen.tcp.push(new Uint8Array(data))
      const prefix = Buffer.alloc(4)
      prefix.writeUInt32BE(tcpReply.byteLength)
      socket.end(Buffer.concat([prefix, tcpReply]))
    })
  })
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve))
  const port = (tcp.address() as AddressInfo).port
  const udp: UdpSocket = createSocket("udp4")
  udp.on("message", (_message, remote) => {
    seen.udp++
    if (udpReply !== undefined) udp.send(udpReply, remote.port, remote.address)
  })
  await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", resolve))
  closers.push(() => tcp.close(), () => udp.close())
  return { port, seen }
}

const request = new Uint8Array([1, 2, 3, 4])
const answer = new Uint8Array([0x6b, 0x00])

describe("KDC transport", () => {
  it.live("UDP answer: no TCP", () =>
    Effect.gen(function*() {
      const kdc = yield* Effect.promise(() => fakeKdc(answer, new Uint8Array([9])))
      expect(yield* exchange([{ host: "127.0.0.1", port: kdc.port }], request)).toEqual(answer)
      expect(kdc.seen).toEqual({ udp: 1, tcp: [] })
    }))

  for (const [name, tooBig] of [["RESPONSE_TOO_BIG", krbError(52)], ["Samba's GENERIC 'Reply packet too large'", krbError(60, "Reply packet too large")]] as const) {
    it.live(`${name} over UDP: the same request over TCP, length-prefixed`, () =>
      Effect.gen(function*() {
        const kdc = yield* Effect.promise(() => fakeKdc(tooBig, answer))
        const reply = yield* exchange([{ host: "kdc.example.test", port: kdc.port }], request, { hosts: { "kdc.example.test": "127.0.0.1" } })
        expect(reply).toEqual(answer)
        expect(kdc.seen.udp).toBe(1)
        expect(kdc.seen.tcp).toEqual([new Uint8Array([0, 0, 0, 4, 1, 2, 3, 4])])
      }))
  }

  it.live("another KRB-ERROR over UDP is the answer", () =>
    Effect.gen(function*() {
      const error = krbError(25)
      const kdc = yield* Effect.promise(() => fakeKdc(error, answer))
      expect(yield* exchange([{ host: "127.0.0.1", port: kdc.port }], request)).toEqual(error)
      expect(kdc.seen.tcp).toEqual([])
    }))

  it.live("a silent KDC is skipped; none answering is NoKdc naming each", () =>
    Effect.gen(function*() {
      const silent = yield* Effect.promise(() => fakeKdc(undefined, answer))
      const live = yield* Effect.promise(() => fakeKdc(answer, answer))
      const kdcs = [{ host: "127.0.0.1", port: silent.port }, { host: "127.0.0.1", port: live.port }]
      expect(yield* exchange(kdcs, request, { timeoutMillis: 200 })).toEqual(answer)
      const failure = yield* Effect.flip(exchange([kdcs[0]!], request, { timeoutMillis: 200 }))
      expect(failure.reason).toBe("NoKdc")
      expect(failure.message).toContain(`127.0.0.1:${silent.port}: no answer within 200 ms`)
    }))
})
