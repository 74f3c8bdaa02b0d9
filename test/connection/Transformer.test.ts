/**
 * The Transformer's security rules that a man in the middle would attack (MS-SMB2 3.2.5.1.3): a
 * response is judged by the request it answers, not by its own header; an unverified
 * SESSION_CLOSED is rejected on a protected session; an ended session sends nothing more.
 * The tampering proxy (test/security) runs the same attacks against Samba on every worker.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type { Incoming } from "../../src/connection/Transformer.js"
import { Transformer } from "../../src/connection/Transformer.js"
import { encodeMessage } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags, makeHeader, UNSOLICITED_MESSAGE_ID } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"
import { SYNTHETIC } from "../reliability/corpus.js"
import { encryptAsServer, signAsServer } from "../reliability/stack.js"

const { encrypted, hmac, optional } = SYNTHETIC
const ECHO_BODY = new Uint8Array([4, 0, 0, 0])

const transformer = () => {
  const t = new Transformer()
  for (const session of [hmac, encrypted, optional]) t.update({ _tag: "SessionEstablished", session })
  return t
}

const send = (t: Transformer, messageId: bigint, sessionId: bigint, treeId = 0) =>
  Either.getOrThrow(t.outgoing({ header: makeHeader({ command: Command.ECHO, messageId, sessionId, treeId }), body: ECHO_BODY }))

const response = (messageId: bigint, sessionId: bigint, fields: { readonly status?: number; readonly command?: number } = {}) =>
  encodeMessage(
    makeHeader({
      command: fields.command ?? Command.ECHO,
      messageId,
      sessionId,
      flags: HeaderFlags.SERVER_TO_REDIR,
      status: fields.status ?? Status.SUCCESS,
      credits: 1
    }),
    ECHO_BODY
  )

const outcome = (results: ReadonlyArray<Incoming>): string => {
  expect(results).toHaveLength(1)
  const [result] = results
  if (result!._tag === "Failure") return `failure ${result!.error.reason}`
  return `message verified=${result!.message.verified} encrypted=${result!.message.encrypted}`
}

describe("Transformer: responses are judged by their request", () => {
  it("an unsigned response rewritten to SessionId 0 on a signing session is SessionMismatch, not accepted", () => {
    const t = transformer()
    send(t, 5n, hmac.sessionId)
    expect(outcome(t.incoming(response(5n, 0n)))).toBe("failure SessionMismatch")
    // the honest answer would have been verified
    send(t, 6n, hmac.sessionId)
    expect(outcome(t.incoming(signAsServer(hmac, response(6n, hmac.sessionId))))).toBe("message verified=true encrypted=false")
  })

  it("a plaintext response with SessionId 0 on an encrypting session is rejected; the encrypted one is accepted", () => {
    const t = transformer()
    send(t, 7n, encrypted.sessionId)
    expect(outcome(t.incoming(response(7n, 0n)))).toBe("failure SessionMismatch")
    send(t, 8n, encrypted.sessionId)
    expect(outcome(t.incoming(response(8n, encrypted.sessionId)))).toBe("failure Plaintext")
    send(t, 9n, encrypted.sessionId)
    expect(outcome(t.incoming(encryptAsServer(encrypted, response(9n, encrypted.sessionId))))).toBe("message verified=false encrypted=true")
  })

  it("the response to a session-less request is unprotected whatever session it names (impacket names one)", () => {
    const t = transformer()
    send(t, 14n, 0n)
    expect(outcome(t.incoming(response(14n, hmac.sessionId)))).toBe("message verified=false encrypted=false")
  })

  it("inside a TRANSFORM frame the message must name the session whose key encrypted it", () => {
    const t = transformer()
    send(t, 10n, hmac.sessionId)
    expect(outcome(t.incoming(encryptAsServer(encrypted, response(10n, hmac.sessionId))))).toBe("failure SessionMismatch")
  })

  it("a response to a signed request must be signed, even where the session does not require it", () => {
    const t = transformer()
    Either.getOrThrow(t.outgoing({ header: makeHeader({ command: Command.ECHO, messageId: 11n, sessionId: optional.sessionId }), body: ECHO_BODY, sign: true }))
    expect(outcome(t.incoming(response(11n, optional.sessionId)))).toBe("failure Unsigned")
  })

  it("a response rewritten onto an unencrypted tree is still judged by the request's encrypted tree", () => {
    const t = transformer()
    t.update({ _tag: "TreeEncryption", sessionId: optional.sessionId, treeId: 7, encrypt: true })
    send(t, 12n, optional.sessionId, 7)
    expect(outcome(t.incoming(response(12n, optional.sessionId)))).toBe("failure Plaintext")
  })

  it("an interim response keeps its request remembered; the final response forgets it", () => {
    const t = transformer()
    send(t, 13n, hmac.sessionId)
    const interim = encodeMessage(
      makeHeader({
        command: Command.ECHO,
        messageId: 13n,
        sessionId: hmac.sessionId,
        asyncId: 1n,
        flags: HeaderFlags.SERVER_TO_REDIR | HeaderFlags.ASYNC_COMMAND,
        status: Status.PENDING
      }),
      new Uint8Array(9)
    )
    expect(outcome(t.incoming(interim))).toBe("message verified=false encrypted=false")
    expect(t.pendingRequests).toBe(1)
    expect(outcome(t.incoming(signAsServer(hmac, response(13n, hmac.sessionId))))).toBe("message verified=true encrypted=false")
    expect(t.pendingRequests).toBe(0)
  })
})

describe("Transformer: unsolicited messages and ended sessions", () => {
  const sessionClosed = (sessionId: bigint) =>
    encodeMessage(
      makeHeader({ command: Command.SERVER_TO_CLIENT_NOTIFICATION, messageId: UNSOLICITED_MESSAGE_ID, sessionId, flags: HeaderFlags.SERVER_TO_REDIR }),
      new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    )

  it("an unsigned SESSION_CLOSED is rejected on a signing or encrypting session, passed where there is nothing to strip", () => {
    const t = transformer()
    expect(outcome(t.incoming(sessionClosed(hmac.sessionId)))).toBe("failure Unsigned")
    expect(outcome(t.incoming(sessionClosed(encrypted.sessionId)))).toBe("failure Plaintext")
    expect(outcome(t.incoming(signAsServer(hmac, sessionClosed(hmac.sessionId))))).toBe("message verified=true encrypted=false")
    expect(outcome(t.incoming(encryptAsServer(encrypted, sessionClosed(encrypted.sessionId))))).toBe("message verified=false encrypted=true")
    expect(outcome(t.incoming(sessionClosed(optional.sessionId)))).toBe("message verified=false encrypted=false")
  })

  it("a session that ended sends nothing more: its requests fail rather than go out unsigned or in the clear", () => {
    const t = transformer()
    t.update({ _tag: "SessionEnded", sessionId: encrypted.sessionId })
    const out = t.outgoing({ header: makeHeader({ command: Command.ECHO, messageId: 20n, sessionId: encrypted.sessionId }), body: ECHO_BODY })
    expect(Either.isLeft(out) && out.left.reason).toBe("SessionEnded")
  })
})
