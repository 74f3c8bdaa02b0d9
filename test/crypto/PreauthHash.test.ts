import { describe, expect, it } from "@effect/vitest"
import { PreauthHash } from "../../src/crypto/PreauthHash.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { SESSIONS_311 } from "./msblog.js"

// Microsoft blog traces (see msblog.ts); the algorithm is also described in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-pre-authentication-integrity-in-windows-10
describe("PreauthHash", () => {
  it("starts at 64 zero bytes", () => {
    expect(toUpperHex(PreauthHash.initial.value)).toBe("00".repeat(64))
  })

  it.each(SESSIONS_311)("$name: the chain over NEGOTIATE and SESSION_SETUP matches Windows", (session) => {
    const afterRequest = PreauthHash.initial.update(fromHex(session.negotiateRequest))
    expect(toUpperHex(afterRequest.value)).toBe(session.preauth.afterNegotiateRequest)
    const connection = afterRequest.update(fromHex(session.negotiateResponse))
    expect(toUpperHex(connection.value)).toBe(session.preauth.afterNegotiateResponse)
    const afterSetup1 = connection.update(fromHex(session.sessionSetupRequest1))
    expect(toUpperHex(afterSetup1.value)).toBe(session.preauth.afterSessionSetupRequest1)
    const afterResponse1 = afterSetup1.update(fromHex(session.sessionSetupResponse1))
    expect(toUpperHex(afterResponse1.value)).toBe(session.preauth.afterSessionSetupResponse1)
    expect(toUpperHex(afterResponse1.update(fromHex(session.sessionSetupRequest2)).value)).toBe(session.preauth.final)
  })

  it("is immutable and accepts a message in parts", () => {
    const message = fromHex(SESSIONS_311[0]!.negotiateRequest)
    const whole = PreauthHash.initial.update(message)
    const parts = PreauthHash.initial.update([message.subarray(0, 64), message.subarray(64)])
    expect(toUpperHex(parts.value)).toBe(toUpperHex(whole.value))
    expect(toUpperHex(PreauthHash.initial.value)).toBe("00".repeat(64))
  })
})
