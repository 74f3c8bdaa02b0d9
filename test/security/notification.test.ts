/**
 * Finding 2: a spoofed SERVER_TO_CLIENT_NOTIFICATION (SMB2_NOTIFY_SESSION_CLOSED), plaintext and
 * unsigned, carrying the victim's SessionId, must not make the client drop the session's keys:
 * the session's next requests still go out signed (signing required) or encrypted (encryption
 * required), as the proxy's record of the client's frames shows, and succeed.
 */
import { expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import type { DialectName } from "../../src/connection/ConnectionOptions.js"
import { describeSamba } from "../support/samba/index.js"
import { Smb2 } from "../support/tamper/index.js"
import type { Mode } from "./harness.js"
import { echo, ENCRYPTION_DIALECTS, established, modeServer, note, optionsFor, outcome, proxies, TIMEOUT, workersFor } from "./harness.js"

describeSamba("tamper: a spoofed SESSION_CLOSED notification (finding 2)", (servers) => {
  const proxyFor = proxies()

  const modes: ReadonlyArray<Mode> = ["signing required", "encryption required"]
  const dialects: ReadonlyArray<DialectName> = ENCRYPTION_DIALECTS
  for (const mode of modes) {
    for (const dialect of dialects) {
      for (const worker of workersFor(dialect)) {
        const name = `spoofed SESSION_CLOSED, then requests: ${mode}, ${dialect}, ${worker}`
        it.scopedLive(name, () =>
          Effect.gen(function*() {
            const server = modeServer(servers, mode)
            const proxy = yield* proxyFor(server)
            const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
            const connection = proxy.latestConnection()
            proxy.inject("toClient", Smb2.buildSessionClosedNotification(built.session.id), connection)
            // The notification is ahead of this ECHO's response on the stream, so once the ECHO
            // is answered every worker has read it; then a moment for the session to act on it.
            yield* Effect.ignore(built.connection.echo)
            for (let i = 0; i < 20 && !(yield* built.session.closedByServer); i++) yield* Effect.sleep("10 millis")
            const from = proxy.records({ direction: "toServer", connection }).length
            const echoed = yield* Effect.exit(echo(built, TIMEOUT))
            const listed = yield* Effect.exit(Stream.runCollect(Files.list(built.tree, "")).pipe(Effect.map(Chunk.toArray)))
            const closed = yield* built.session.closedByServer
            const sent = proxy.records({ direction: "toServer", connection }).slice(from).map((r) => r.original)
            const unprotected = sent.filter((frame) =>
              mode === "encryption required"
                ? !Smb2.isTransform(frame)
                : Smb2.headers(frame).some((h) => h.sessionId === built.session.id && !h.signed)
            )
            yield* note(
              name,
              `echo ${outcome(echoed)}; list ${outcome(listed)}; closedByServer ${closed}; ` +
                `${unprotected.length} of ${sent.length} requests after the notification went out ` +
                `${mode === "encryption required" ? "unencrypted" : "unsigned"}` +
                (unprotected.length > 0 ? ` (first: ${Smb2.describeFrame(unprotected[0]!)})` : "")
            )
            expect(sent.length).toBeGreaterThan(0)
            expect(
              unprotected.map(Smb2.describeFrame),
              `requests sent ${mode === "encryption required" ? "in the clear" : "unsigned"} after the spoofed notification`
            ).toEqual([])
            expect(outcome(echoed)).toMatch(mode === "encryption required" ? /encrypted true/ : /verified true/)
            expect(outcome(listed)).toMatch(/^succeeded/)
          }))
      }
    }
  }
})
