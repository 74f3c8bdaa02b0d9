/**
 * The Transformer's side of compounds (MS-SMB2 3.2.4.1.4): each element signed on its own over its
 * header, body and padding, or the whole chain encrypted in one TRANSFORM_HEADER; each element
 * remembered, so that each response is judged by its own request.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type { OutgoingCompound } from "../../src/connection/Message.js"
import type { SessionSecurity } from "../../src/connection/Transformer.js"
import { Transformer } from "../../src/connection/Transformer.js"
import * as Encryption from "../../src/crypto/Encryption.js"
import * as Signing from "../../src/crypto/Signing.js"
import { encodeMessage, joinCompound } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { splitCompound } from "../../src/wire/Compound.js"
import { decodeHeader, HeaderFlags, makeHeader, TRANSFORM_PROTOCOL_ID } from "../../src/wire/Header.js"
import { concatBytes } from "../../src/wire/Reader.js"
import { Status } from "../../src/wire/Status.js"
import { SYNTHETIC } from "../reliability/corpus.js"
import { encryptAsServer, signAsServer } from "../reliability/stack.js"

const { encrypted, gmac, hmac } = SYNTHETIC

const transformer = () => {
  const t = new Transformer()
  for (const session of [hmac, gmac, encrypted]) t.update({ _tag: "SessionEstablished", session })
  return t
}

/** CREATE, QUERY_INFO, CLOSE of `session`, ids 10..12; bodies of odd sizes so that padding is needed. */
const chain = (session: SessionSecurity, related = true): OutgoingCompound => ({
  related,
  messages: [
    [Command.CREATE, 57],
    [Command.QUERY_INFO, 41],
    [Command.CLOSE, 24]
  ].map(([command, size], i) => ({
    header: makeHeader({ command: command!, messageId: 10n + BigInt(i), sessionId: session.sessionId, treeId: 5 }),
    body: [new Uint8Array(size! - 8).fill(i + 1), new Uint8Array(8).fill(0xee)]
  }))
})

const elementsOf = (frame: Uint8Array) => Either.getOrThrow(splitCompound(frame))

const response = (messageId: bigint, command: number, sessionId: bigint) =>
  encodeMessage(
    makeHeader({ command, messageId, sessionId, flags: HeaderFlags.SERVER_TO_REDIR, status: Status.SUCCESS, credits: 1 }),
    // 16 bytes: a whole element, so that a signature over the message covers all of it
    new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  )

describe("Transformer: compounds", () => {
  for (const session of [hmac, gmac]) {
    it(`signs each element on its own, padding included (${Signing.signingAlgorithmName(session.signingAlgorithm)})`, () => {
      const t = transformer()
      const out = Either.getOrThrow(t.outgoingCompound(chain(session)))
      const frame = concatBytes(out.frame as ReadonlyArray<Uint8Array>)
      const elements = elementsOf(frame)
      expect(elements.map((e) => e.byteLength)).toEqual([128, 112, 88])
      for (const [i, element] of elements.entries()) {
        const header = Either.getOrThrow(decodeHeader(element))
        expect(header.flags & HeaderFlags.SIGNED).toBe(HeaderFlags.SIGNED)
        expect(header.flags & HeaderFlags.RELATED_OPERATIONS).toBe(i === 0 ? 0 : HeaderFlags.RELATED_OPERATIONS)
        expect(header.nextCommand).toBe(i === 2 ? 0 : element.byteLength)
        expect(Signing.verify(session.signingAlgorithm, session.signingKey, element)).toBe(true)
      }
      // a signature over the element without its padding would not verify
      expect(Signing.verify(session.signingAlgorithm, session.signingKey, elements[0]!.subarray(0, 121))).toBe(false)
      expect(t.pendingRequests).toBe(3)
    })
  }

  it("encrypts the whole chain once, elements unsigned; every element's response is then required encrypted", () => {
    const t = transformer()
    const out = Either.getOrThrow(t.outgoingCompound(chain(encrypted, false)))
    const frame = concatBytes(out.frame as ReadonlyArray<Uint8Array>)
    expect(new DataView(frame.buffer).getUint32(0, true)).toBe(TRANSFORM_PROTOCOL_ID)
    const plain = Either.getOrThrow(Encryption.decrypt(encrypted.encryption!.cipher, encrypted.encryption!.encryptionKey, frame))
    expect(plain.sessionId).toBe(encrypted.sessionId)
    const elements = elementsOf(plain.plaintext)
    expect(elements).toHaveLength(3)
    for (const element of elements) {
      const header = Either.getOrThrow(decodeHeader(element))
      expect(header.flags & (HeaderFlags.SIGNED | HeaderFlags.RELATED_OPERATIONS)).toBe(0)
    }
    // answered in one encrypted frame: accepted; one element answered in plaintext: rejected
    const answers = [Command.CREATE, Command.QUERY_INFO].map((command, i) => response(10n + BigInt(i), command, encrypted.sessionId))
    const results = t.incoming(encryptAsServer(encrypted, joinCompound(answers)))
    expect(results.map((r) => (r._tag === "Message" ? r.message.encrypted : r.error.reason))).toEqual([true, true])
    const plaintext = t.incoming(response(12n, Command.CLOSE, encrypted.sessionId))
    expect(plaintext.map((r) => (r._tag === "Failure" ? r.error.reason : "accepted"))).toEqual(["Plaintext"])
    expect(t.pendingRequests).toBe(0)
  })

  it("responses to a signed chain are verified one by one: a bad one fails only its own element", () => {
    const t = transformer()
    t.outgoingCompound(chain(hmac))
    // signed as a server signs a compound: after NextCommand is set, each element in place
    const frame = joinCompound([
      response(10n, Command.CREATE, hmac.sessionId),
      response(11n, Command.QUERY_INFO, hmac.sessionId),
      response(12n, Command.CLOSE, hmac.sessionId)
    ])
    const [good, forged] = elementsOf(frame)
    signAsServer(hmac, good!)
    signAsServer(hmac, forged!)
    forged!.set([forged!.at(70)! ^ 1], 70)
    const results = t.incoming(frame)
    expect(results.map((r) => (r._tag === "Message" ? `verified=${r.message.verified}` : r.error.reason))).toEqual([
      "verified=true",
      "BadSignature",
      "Unsigned"
    ])
  })

  it("refuses an encrypted chain of two sessions, an empty one, and one on an ended session", () => {
    const t = transformer()
    const mixed = chain(encrypted)
    const other = { ...mixed.messages[1]!, header: { ...mixed.messages[1]!.header, sessionId: hmac.sessionId } }
    const refused = t.outgoingCompound({ related: false, messages: [mixed.messages[0]!, other] })
    expect(Either.isLeft(refused) && refused.left.reason).toBe("Encrypt")
    const empty = t.outgoingCompound({ related: false, messages: [] })
    expect(Either.isLeft(empty) && empty.left.reason).toBe("Encode")
    t.update({ _tag: "SessionEnded", sessionId: hmac.sessionId })
    const ended = t.outgoingCompound(chain(hmac))
    expect(Either.isLeft(ended) && ended.left.reason).toBe("SessionEnded")
    expect(t.pendingRequests).toBe(0)
  })
})
