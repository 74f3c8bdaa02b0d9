import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import type { Authenticator } from "../../src/auth/Authenticator.js"
import type { AuthenticationFailed } from "../../src/errors.js"
import { makeAnonymousAuthenticator, makeGuestAuthenticator, makeNtlmAuthenticator } from "../../src/auth/Authenticator.js"
import { NegotiateFlags } from "../../src/auth/Ntlm.js"
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeNegTokenResp,
  NegState,
  NTLMSSP_OID
} from "../../src/auth/Spnego.js"
import { deriveSessionKeys } from "../../src/crypto/SessionKeys.js"
import { verify } from "../../src/crypto/Signing.js"
import { Dialect } from "../../src/wire/Negotiate.js"
import { SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { DOMAIN, PASSWORD, SESSIONS_311, USER } from "../crypto/msblog.js"
import { AUTHENTICATE, authenticateFlags, ntlmField, securityBuffer } from "./messages.js"
import { NLMP_AUTHENTICATE, NLMP_CHALLENGE as NLMP_CHALLENGE_HEX } from "./nlmp.js"

/** A random source that hands out the given values in order. */
const scripted = (...values: ReadonlyArray<string>) => {
  const queue = values.map(fromHex)
  return (size: number): Uint8Array => {
    const next = queue.shift()
    if (next === undefined || next.length !== size) throw new Error(`unexpected random(${size})`)
    return next
  }
}

const challengeToken = (challenge: Uint8Array): Uint8Array =>
  encodeNegTokenResp({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: challenge })

// MS-NLMP 4.2.4.3 "Messages" (CHALLENGE and AUTHENTICATE): sources in nlmp.ts.
const NLMP_CHALLENGE = fromHex(NLMP_CHALLENGE_HEX)

const windowsClientChallenge = (session: (typeof SESSIONS_311)[number]): string => {
  const auth = Either.getOrThrow(decodeNegTokenResp(securityBuffer(session.sessionSetupRequest2))).responseToken!
  return toUpperHex(ntlmField(auth, AUTHENTICATE.ntChallengeResponse).subarray(32, 40))
}

const userAuthenticator = (random?: (size: number) => Uint8Array, password = PASSWORD): Authenticator =>
  makeNtlmAuthenticator({ user: USER, domain: DOMAIN, password: Redacted.make(password), random })

describe("Authenticator", () => {
  it("MS-NLMP 4.2.4.3: the AUTHENTICATE_MESSAGE inside our second token, byte for byte", () => {
    const auth = makeNtlmAuthenticator({
      user: "User",
      domain: "Domain",
      password: Redacted.make("Password"),
      workstation: "COMPUTER",
      version: { major: 5, minor: 1, build: 2600, revision: 15 },
      random: scripted("AAAAAAAAAAAAAAAA", "55".repeat(16)),
      now: () => 0n
    })
    const first = Either.getOrThrow(decodeNegTokenInit(auth.initialToken()))
    expect(first.mechTypes).toEqual([NTLMSSP_OID])
    expect(toUpperHex(first.mechToken!.subarray(12, 16))).toBe("358208E2")

    const step = Either.getOrThrow(auth.next(challengeToken(NLMP_CHALLENGE)))
    expect(step.done).toBe(true)
    const reply = Either.getOrThrow(decodeNegTokenResp(step.token!))
    expect(toUpperHex(reply.responseToken!)).toBe(NLMP_AUTHENTICATE)
    expect(reply.negState).toBe(NegState.AcceptIncomplete)
    // No MsvAvTimestamp from the server: no MIC, so no mechListMIC either.
    expect(reply.mechListMIC).toBeUndefined()
    expect(toUpperHex(auth.sessionKey())).toBe("55".repeat(16))
    expect(Either.isRight(auth.verifyFinal(new Uint8Array(0)))).toBe(true)
  })

  // The four Windows sessions of the Microsoft blogs (msblog.ts): with Windows' client challenge and
  // session key, our mechListMIC equals Windows', the server's final token verifies, and the SMB
  // signing key derived from our session key verifies the server's signed final response.
  it.each(SESSIONS_311)("$name: a full exchange against the Windows server's tokens", (session) => {
    const auth = userAuthenticator(scripted(windowsClientChallenge(session), session.sessionKey))
    auth.initialToken()
    const step = Either.getOrThrow(auth.next(securityBuffer(session.sessionSetupResponse1)))
    const reply = Either.getOrThrow(decodeNegTokenResp(step.token!))
    expect(toUpperHex(reply.mechListMIC!)).toBe(session.clientMechListMIC)
    const ntlm = reply.responseToken!
    expect(authenticateFlags(ntlm)).toBe(0xe2888215)
    expect(toUpperHex(ntlmField(ntlm, AUTHENTICATE.lmChallengeResponse))).toBe("00".repeat(24))

    expect(Either.isRight(auth.verifyFinal(securityBuffer(session.sessionSetupResponse2)))).toBe(true)
    expect(toUpperHex(auth.sessionKey())).toBe(session.sessionKey)
    const keys = deriveSessionKeys({ dialect: Dialect.SMB_3_1_1, sessionKey: auth.sessionKey(), preauthHash: fromHex(session.preauth.final) })
    expect(verify(SigningAlgorithm.AES_CMAC, keys.signingKey, fromHex(session.sessionSetupResponse2))).toBe(true)
  })

  const master = SESSIONS_311[0]!
  const started = (authenticator: Authenticator = userAuthenticator()): Authenticator => {
    authenticator.initialToken()
    return authenticator
  }
  const afterChallenge = (authenticator: Authenticator = userAuthenticator()): Authenticator => {
    Either.getOrThrow(started(authenticator).next(securityBuffer(master.sessionSetupResponse1)))
    return authenticator
  }
  const failure = <A>(result: Either.Either<A, { readonly reason: string }>): string =>
    Either.isLeft(result) ? result.left.reason : "Right"

  it("a server mechListMIC that does not verify is MicMismatch", () => {
    const final = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse2)))
    const forged = final.mechListMIC!.slice()
    forged[5]! ^= 1
    expect(failure(afterChallenge().verifyFinal(encodeNegTokenResp({ ...final, mechListMIC: forged })))).toBe("MicMismatch")
  })

  it("a final token without the server's mechListMIC, or no final token, is MicMismatch once we sent ours", () => {
    const final = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse2)))
    const { mechListMIC: _stripped, ...withoutMic } = final
    expect(failure(afterChallenge().verifyFinal(encodeNegTokenResp(withoutMic)))).toBe("MicMismatch")
    expect(failure(afterChallenge().verifyFinal(new Uint8Array(0)))).toBe("MicMismatch")
  })

  // impacket's smbserver: its CHALLENGE grants KEY_EXCH but never SIGN or SEAL, and its final
  // token carries no mechListMIC. As Samba's client: the key is exchanged all the same (the server
  // decrypts it whenever KEY_EXCH is set), and without SIGN no mechListMIC is sent or required.
  it("a CHALLENGE with KEY_EXCH but without SIGN or SEAL: keys exchanged, no mechListMIC either way", () => {
    const serverToken = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse1)))
    const challenge = serverToken.responseToken!.slice()
    const view = new DataView(challenge.buffer, challenge.byteOffset, challenge.byteLength)
    view.setUint32(20, view.getUint32(20, true) & ~(NegotiateFlags.SIGN | NegotiateFlags.SEAL), true)
    expect(view.getUint32(20, true) & NegotiateFlags.KEY_EXCH).toBe(NegotiateFlags.KEY_EXCH)
    const auth = userAuthenticator(scripted(windowsClientChallenge(master), "77".repeat(16)))
    auth.initialToken()
    const reply = Either.getOrThrow(decodeNegTokenResp(Either.getOrThrow(auth.next(encodeNegTokenResp({ ...serverToken, responseToken: challenge }))).token!))
    expect(reply.mechListMIC).toBeUndefined()
    const ntlm = reply.responseToken!
    expect(authenticateFlags(ntlm) & (NegotiateFlags.SIGN | NegotiateFlags.SEAL | NegotiateFlags.KEY_EXCH)).toBe(NegotiateFlags.KEY_EXCH)
    expect(ntlmField(ntlm, AUTHENTICATE.encryptedRandomSessionKey).length).toBe(16)
    expect(toUpperHex(auth.sessionKey())).toBe("77".repeat(16))
    const final = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse2)))
    const { mechListMIC: _none, ...withoutMic } = final
    expect(Either.isRight(auth.verifyFinal(encodeNegTokenResp(withoutMic)))).toBe(true)
  })

  it("a rejecting server is Refused, in either round", () => {
    const reject = encodeNegTokenResp({ negState: NegState.Reject })
    expect(failure(started().next(reject))).toBe("Refused")
    expect(failure(afterChallenge().verifyFinal(reject))).toBe("Refused")
  })

  it("a final token that is not accept-completed is a BadToken", () => {
    expect(failure(afterChallenge().verifyFinal(encodeNegTokenResp({ negState: NegState.AcceptIncomplete })))).toBe("BadToken")
  })

  it("another mechanism is NoMechanism", () => {
    const kerberos = encodeNegTokenResp({ negState: NegState.AcceptIncomplete, supportedMech: "1.2.840.113554.1.2.2", responseToken: NLMP_CHALLENGE })
    expect(failure(started().next(kerberos))).toBe("NoMechanism")
  })

  it("malformed tokens are BadToken", () => {
    expect(failure(started().next(new Uint8Array([1, 2, 3])))).toBe("BadToken")
    expect(failure(started().next(encodeNegTokenResp({ negState: NegState.AcceptIncomplete })))).toBe("BadToken")
    expect(failure(started().next(challengeToken(NLMP_CHALLENGE.subarray(0, 40))))).toBe("BadToken")
    expect(failure(afterChallenge().verifyFinal(new Uint8Array([0xa1, 0x05])))).toBe("BadToken")
  })

  it("a server that refuses extended session security is Unsupported", () => {
    const challenge = NLMP_CHALLENGE.slice()
    const view = new DataView(challenge.buffer)
    view.setUint32(20, view.getUint32(20, true) & ~NegotiateFlags.EXTENDED_SESSIONSECURITY, true)
    expect(failure(started().next(challengeToken(challenge)))).toBe("Unsupported")
  })

  it("rounds out of order are BadToken", () => {
    const token = securityBuffer(master.sessionSetupResponse1)
    expect(failure(userAuthenticator().next(token))).toBe("BadToken")
    expect(failure(started().verifyFinal(securityBuffer(master.sessionSetupResponse2)))).toBe("BadToken")
    expect(failure(afterChallenge().next(token))).toBe("BadToken")
    expect(userAuthenticator().sessionKey().length).toBe(0)
  })

  it("anonymous: a null session with no MIC and no mechListMIC", () => {
    const auth = makeAnonymousAuthenticator()
    expect(auth.kind).toBe("anonymous")
    auth.initialToken()
    const reply = Either.getOrThrow(decodeNegTokenResp(Either.getOrThrow(auth.next(securityBuffer(master.sessionSetupResponse1))).token!))
    expect(reply.mechListMIC).toBeUndefined()
    const ntlm = reply.responseToken!
    expect(authenticateFlags(ntlm) & NegotiateFlags.ANONYMOUS).toBe(NegotiateFlags.ANONYMOUS)
    expect(ntlmField(ntlm, AUTHENTICATE.ntChallengeResponse).length).toBe(0)
    expect(toUpperHex(ntlmField(ntlm, AUTHENTICATE.lmChallengeResponse))).toBe("00")
    expect(auth.sessionKey().length).toBe(16)
    expect(Either.isRight(auth.verifyFinal(securityBuffer(master.sessionSetupResponse2)))).toBe(true)
  })

  it("guest: NTLMv2 as Guest with an empty password; the server's mechListMIC is not checked", () => {
    const auth = makeGuestAuthenticator()
    expect(auth.kind).toBe("guest")
    auth.initialToken()
    const ntlm = Either.getOrThrow(decodeNegTokenResp(Either.getOrThrow(auth.next(securityBuffer(master.sessionSetupResponse1))).token!)).responseToken!
    expect(new TextDecoder("utf-16le").decode(ntlmField(ntlm, AUTHENTICATE.userName))).toBe("Guest")
    expect(ntlmField(ntlm, AUTHENTICATE.ntChallengeResponse).length).toBeGreaterThan(24)
    expect(Either.isRight(auth.verifyFinal(securityBuffer(master.sessionSetupResponse2)))).toBe(true)
  })

  it("the password never shows: not in errors, JSON, inspect or toString", () => {
    const secret = "S3cret-Passw0rd!"
    const shown: Array<string> = []
    const auth = makeNtlmAuthenticator({ user: USER, domain: DOMAIN, password: Redacted.make(secret) })
    shown.push(JSON.stringify(auth), inspect(auth, { depth: 10, showHidden: true }), String(auth))
    auth.initialToken()
    shown.push(JSON.stringify(auth), inspect(auth, { depth: 10, showHidden: true }))
    const failures: ReadonlyArray<Either.Either<unknown, AuthenticationFailed>> = [
      started(makeNtlmAuthenticator({ user: USER, domain: DOMAIN, password: Redacted.make(secret) })).next(new Uint8Array([0xa1, 0x01])),
      started(makeNtlmAuthenticator({ user: USER, domain: DOMAIN, password: Redacted.make(secret) })).next(challengeToken(NLMP_CHALLENGE.subarray(0, 30))),
      afterChallenge(makeNtlmAuthenticator({ user: USER, domain: DOMAIN, password: Redacted.make(secret) })).verifyFinal(securityBuffer(master.sessionSetupResponse2))
    ]
    for (const result of failures) {
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) shown.push(result.left.message, JSON.stringify(result.left), inspect(result.left, { depth: 10 }), String(result.left.cause))
    }
    for (const text of shown) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(Buffer.from(secret, "utf16le").toString("hex"))
    }
    expect(shown[0]).toContain(USER)
    expect(shown[0]).toContain("redacted")
  })
})
