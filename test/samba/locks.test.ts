/**
 * Byte-range locks against a real Samba smbd: two connections, each with its own open of the
 * same file. A lock lives as long as its Scope; a conflict is a typed ServerError at once, or,
 * asked to wait, a pending LOCK that completes when the range is freed, or is cancelled when
 * interrupted.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined)

describeSamba("Samba: byte-range locks", (servers) => {
  it.scopedLive("an exclusive lock refuses a second lock and the other open's reads of its range, until its Scope closes", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = fresh("lock")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      yield* Files.writeFile(a.tree, name, new Uint8Array(4096).fill(1))
      const mine = yield* File.open(a.tree, name, { access: "readWrite" })
      const theirs = yield* File.open(b.tree, name, { access: "readWrite" })

      const held = yield* Scope.make()
      yield* mine.lock(0, 1024).pipe(Scope.extend(held))
      expect(failureOf(yield* Effect.exit(Effect.scoped(theirs.lock(512, 10))))).toMatchObject({
        _tag: "ServerError",
        reason: "STATUS_LOCK_NOT_GRANTED"
      })
      expect(failureOf(yield* Effect.exit(theirs.read(0, 100)))).toMatchObject({ _tag: "ServerError", reason: "STATUS_FILE_LOCK_CONFLICT" })
      // outside the range nothing is held
      expect((yield* theirs.read(2048, 100)).length).toBe(100)
      yield* Effect.scoped(theirs.lock(2048, 100))

      yield* Scope.close(held, Exit.void)
      yield* Effect.scoped(theirs.lock(512, 10))
      expect((yield* theirs.read(0, 100)).length).toBe(100)
      yield* Files.remove(a.tree, name)
    }))

  it.scopedLive("shared locks admit each other; a waiting exclusive lock is granted once they are released", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = fresh("lock-wait")
      const a = yield* scenario(server, {})
      const b = yield* scenario(server, {})
      yield* Files.writeFile(a.tree, name, new Uint8Array(100))
      const mine = yield* File.open(a.tree, name, { access: "readWrite" })
      const theirs = yield* File.open(b.tree, name, { access: "readWrite" })

      const held = yield* Scope.make()
      yield* mine.lock(0, 100, { shared: true }).pipe(Scope.extend(held))
      yield* Effect.scoped(theirs.lock(0, 100, { shared: true }))

      const waiting = yield* Effect.fork(Effect.scoped(theirs.lock(0, 100, { wait: true })))
      yield* Effect.sleep("300 millis")
      expect(waiting.unsafePoll()).toBeNull()
      yield* Scope.close(held, Exit.void)
      yield* Fiber.join(waiting)

      // a wait that is interrupted is cancelled: the range is free afterwards
      const blocker = yield* Scope.make()
      yield* mine.lock(0, 100).pipe(Scope.extend(blocker))
      const interrupted = yield* Effect.fork(Effect.scoped(theirs.lock(0, 100, { wait: true })))
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(interrupted)
      yield* Scope.close(blocker, Exit.void)
      yield* Effect.scoped(theirs.lock(0, 100))
      expect((yield* b.connection.handler.stats).inFlight).toBe(0)
      yield* Files.remove(a.tree, name)
    }))
})
