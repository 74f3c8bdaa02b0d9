/**
 * A server for the run that makes the `smb` command's V8 code cache (scripts/bundle-entries.mjs):
 * V8 caches only the functions compiled when the cache is made, so a cache made after
 * `smb --version` left everything a real command runs to be compiled lazily at each start. This
 * is the tests' honest fake server (test/reliability/fakeServer.ts: SMB 3.1.1 negotiate, NTLMv2
 * logon, signed responses, tree connect, VALIDATE_NEGOTIATE) on 127.0.0.1, so that the cache
 * covers connecting, authenticating, signing, a compound CREATE, a listing and printing with no
 * real server at build time (`smb ls` of an empty directory, the one thing on its share).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type { ReceivedRequest, RespondOptions } from "../../src/testing/TestPeer.js"
import * as TestPeer from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { Status } from "../../src/wire/Status.js"
import { Dialect } from "../../src/wire/Negotiate.js"
import { createResponse } from "../../test/client/fakeTree.js"
import { makeFakeServer } from "../../test/reliability/fakeServer.js"

export const PASSWORD = "warm-up"

// The share holds one empty directory: every CREATE opens it, and its listing is empty.
const answer = (request: ReceivedRequest): RespondOptions => {
  switch (request.header.command) {
    case Command.CREATE:
      return { body: createResponse(0, true) }
    case Command.QUERY_DIRECTORY:
      return { status: Status.NO_MORE_FILES }
    default:
      return {}
  }
}

/**
 * Listens on an ephemeral port of 127.0.0.1, serves one connection until the client closes it,
 * then stops listening (so the process can end); returns the port.
 */
export const start = (): Promise<number> =>
  Effect.runPromise(Effect.gen(function*() {
    const scope = yield* Scope.make()
    const { connections, port } = yield* Scope.extend(TestPeer.makeTcp(), scope)
    const { handler } = makeFakeServer({ dialect: Dialect.SMB_3_1_1, password: PASSWORD, answer })
    yield* Effect.forkDaemon(Effect.flatMap(connections, (peer) => Effect.forever(Effect.flatMap(peer.next, (request) => handler(request, peer)))).pipe(
      Effect.ensuring(Scope.close(scope, Exit.void))
    ))
    return port
  }))
