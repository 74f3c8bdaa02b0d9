/**
 * Session against the scriptable peer: an anonymous NTLM exchange (NEGOTIATE, CHALLENGE,
 * AUTHENTICATE) and the server's SMB2_NOTIFY_SESSION_CLOSED.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { encodeNegTokenResp, NTLMSSP_OID } from "../../src/auth/Spnego.js"
import * as Session from "../../src/client/Session.js"
import type { ConnectionShape } from "../../src/connection/Connection.js"
import { PreauthHash } from "../../src/crypto/PreauthHash.js"
import { Command } from "../../src/wire/Command.js"
import { encodeServerNotification, NotificationType } from "../../src/wire/ServerNotification.js"
import { encodeSessionSetupResponse, SessionFlags } from "../../src/wire/SessionSetup.js"
import { Status } from "../../src/wire/Status.js"
import { subjects } from "../connection/subjects.js"

/** A minimal NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2): no target name, an empty AV pair list. */
const challenge = (): Uint8Array => {
  const out = new Uint8Array(60)
  const v = new DataView(out.buffer)
  out.set(new TextEncoder().encode("NTLMSSP\0"))
  v.setUint32(8, 2, true)
  v.setUint32(16, 56, true)
  v.setUint32(20, 0xe2898215, true)
  out.set([1, 2, 3, 4, 5, 6, 7, 8], 24)
  v.setUint16(40, 4, true)
  v.setUint16(42, 4, true)
  v.setUint32(44, 56, true)
  return out
}

describe("Session", () => {
  it.scopedLive("an anonymous session learns that the server closed it, and then skips the logoff", () =>
    Effect.gen(function*() {
      const built = yield* subjects[0]!.make()
      const connection = {
        host: "peer",
        options: { host: "peer" },
        negotiated: { dialect: "3.1.1", dialectRevision: 0x0311, signing: "AES-128-GMAC", encryption: null, signingRequired: false },
        preauthHash: PreauthHash.initial,
        handler: built.handler
      } as unknown as ConnectionShape
      const scope = yield* Scope.make()
      const setup = yield* Effect.fork(Scope.extend(Session.make(connection, Session.anonymous), scope))
      const first = yield* built.peer.next
      yield* built.peer.respond(first, {
        status: Status.MORE_PROCESSING_REQUIRED,
        sessionId: 0x55n,
        body: encodeSessionSetupResponse({
          sessionFlags: 0,
          securityBuffer: encodeNegTokenResp({ negState: 1, supportedMech: NTLMSSP_OID, responseToken: challenge() })
        })
      })
      const second = yield* built.peer.next
      expect(second.header.sessionId).toBe(0x55n)
      yield* built.peer.respond(second, {
        sessionId: 0x55n,
        body: encodeSessionSetupResponse({ sessionFlags: SessionFlags.IS_NULL, securityBuffer: new Uint8Array(0) })
      })
      const session = yield* Fiber.join(setup)
      expect(session.isAnonymous).toBe(true)
      expect(yield* session.closedByServer).toBe(false)

      yield* built.peer.notify({
        command: Command.SERVER_TO_CLIENT_NOTIFICATION,
        sessionId: 0x55n,
        body: encodeServerNotification({ notificationType: NotificationType.SESSION_CLOSED, notification: new Uint8Array(4) })
      })
      for (let i = 0; i < 1000 && !(yield* session.closedByServer); i++) yield* Effect.sleep("1 millis")
      expect(yield* session.closedByServer).toBe(true)
      yield* Scope.close(scope, Exit.void)
      // no LOGOFF follows: the next thing the peer sees is this echo
      const echo = yield* Effect.fork(built.handler.sendRecv({ command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }))
      expect((yield* built.peer.next).header.command).toBe(Command.ECHO)
      yield* Fiber.interrupt(echo)
    }))
})
