import { describe, expect, it } from "@effect/vitest"
import { PreauthHash } from "../../src/crypto/PreauthHash.js"
import { hex, unhex } from "./bytes.js"
import { SESSIONS_311 } from "./msblog.js"

// Microsoft blog traces (see msblog.ts); the algorithm is also described in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-pre-authentication-integrity-in-windows-10
describe("PreauthHash", () => {
  it("starts at 64 zero bytes", () => {
    expect(hex(PreauthHash.initial.value)).toBe("00".repeat(64))
  })

  it.each(SESSIONS_311)("$name: the chain over NEGOTIATE and SESSION_SETUP matches Windows", (session) => {
    const afterRequest = PreauthHash.initial.update(unhex(session.negotiateRequest))
    expect(hex(afterRequest.value)).toBe(session.preauth.afterNegotiateRequest)
    const connection = afterRequest.update(unhex(session.negotiateResponse))
    expect(hex(connection.value)).toBe(session.preauth.afterNegotiateResponse)
    const afterSetup1 = connection.update(unhex(session.sessionSetupRequest1))
    expect(hex(afterSetup1.value)).toBe(session.preauth.afterSessionSetupRequest1)
    const afterResponse1 = afterSetup1.update(unhex(session.sessionSetupResponse1))
    expect(hex(afterResponse1.value)).toBe(session.preauth.afterSessionSetupResponse1)
    expect(hex(afterResponse1.update(unhex(session.sessionSetupRequest2)).value)).toBe(session.preauth.final)
  })

  it("is immutable and accepts a message in parts", () => {
    const message = unhex(SESSIONS_311[0]!.negotiateRequest)
    const whole = PreauthHash.initial.update(message)
    const parts = PreauthHash.initial.update([message.subarray(0, 64), message.subarray(64)])
    expect(hex(parts.value)).toBe(hex(whole.value))
    expect(hex(PreauthHash.initial.value)).toBe("00".repeat(64))
  })
})
