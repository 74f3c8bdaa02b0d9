import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { CreditWindow } from "../../src/connection/CreditWindow.js"
import { creditCharge } from "../../src/connection/MessageHandler.js"
import { ConnectionStopped } from "../../src/errors.js"
import { Command } from "../../src/wire/Command.js"

describe("CreditWindow", () => {
  it.effect("starts with one credit and counts grants and spends exactly", () =>
    Effect.gen(function*() {
      const window = new CreditWindow()
      yield* window.acquire(1)
      expect(window.balance).toBe(0)
      window.ask(5)
      window.grant(5)
      yield* window.acquire(3)
      expect([window.balance, window.totalGranted, window.totalSpent]).toEqual([2, 5, 4])
    }))

  it.effect("waiters proceed in order as grants arrive; a large head is not overtaken", () =>
    Effect.gen(function*() {
      const window = new CreditWindow(0)
      const order: Array<string> = []
      const big = yield* Effect.fork(Effect.zipRight(window.acquire(4), Effect.sync(() => order.push("big"))))
      yield* Effect.yieldNow()
      const small = yield* Effect.fork(Effect.zipRight(window.acquire(1), Effect.sync(() => order.push("small"))))
      yield* Effect.yieldNow()
      window.ask(5)
      window.grant(2)
      yield* Effect.yieldNow()
      expect(order).toEqual([])
      window.grant(3)
      yield* Fiber.join(big)
      yield* Fiber.join(small)
      expect(order).toEqual(["big", "small"])
      expect(window.balance).toBe(0)
    }))

  it.effect("an interrupted waiter leaves no trace and loses no credit", () =>
    Effect.gen(function*() {
      const window = new CreditWindow(0)
      const fiber = yield* Effect.fork(window.acquire(2))
      yield* Effect.yieldNow()
      expect(window.waiting).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect(window.waiting).toBe(0)
      window.ask(2)
      window.grant(2)
      expect(window.balance).toBe(2)
      expect(window.totalSpent).toBe(0)
    }))

  it("grants are capped at what was asked for and not granted yet; the excess is counted, never used", () => {
    const window = new CreditWindow(0)
    window.grant(100)
    expect([window.balance, window.totalGranted, window.totalRefused]).toEqual([0, 0, 100])
    window.ask(10)
    window.grant(4)
    window.grant(65535)
    expect([window.balance, window.totalGranted, window.totalRefused]).toEqual([10, 10, 100 + 65535 - 6])
    window.grant(1)
    expect(window.balance).toBe(10)
  })

  it.effect("stop fails waiters and later acquires with the typed error", () =>
    Effect.gen(function*() {
      const window = new CreditWindow(0)
      const fiber = yield* Effect.fork(window.acquire(1))
      yield* Effect.yieldNow()
      const error = new ConnectionStopped({ reason: "Stopped" })
      window.stop(error)
      expect(yield* Fiber.await(fiber)).toEqual(Exit.fail(error))
      expect(yield* Effect.exit(window.acquire(1))).toEqual(Exit.fail(error))
    }))
})

describe("creditCharge", () => {
  it("charges one per started 64 KiB for READ, WRITE, IOCTL and QUERY_DIRECTORY", () => {
    expect(creditCharge(Command.READ, 0, 65536)).toBe(1)
    expect(creditCharge(Command.READ, 0, 65537)).toBe(2)
    expect(creditCharge(Command.WRITE, 8 * 1024 * 1024, 0)).toBe(128)
    expect(creditCharge(Command.IOCTL, 100, 70000)).toBe(2)
    expect(creditCharge(Command.QUERY_DIRECTORY, 0, 0)).toBe(1)
  })
  it("charges one for everything else, whatever the sizes", () => {
    expect(creditCharge(Command.ECHO, 1_000_000, 1_000_000)).toBe(1)
    expect(creditCharge(Command.CREATE, 0, 200_000)).toBe(1)
  })
})
