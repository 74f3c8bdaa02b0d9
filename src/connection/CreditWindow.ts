/**
 * The credit window (MS-SMB2 3.2.4.1.5, 3.2.5.1.4): how many credits the client may still spend.
 * Grants are counted on the receive path, synchronously, for every response header; senders take
 * credits here before a message id is assigned and wait, in FIFO order, while the window is short.
 *
 * Grants are capped at what the client asked for, less what was granted already: a server, or a
 * man in the middle of an unsigned connection, cannot inflate the window without bound. A request
 * asks for its CreditRequest on top of the CreditCharge it spends, since that is how servers read
 * it (Samba grants the charge plus up to CreditRequest - 1 more; capping at CreditRequest alone
 * halved the window of 4-8 MiB transfers and cost a third of their speed, measured). The excess
 * is counted, never used.
 *
 * Not an Effect Semaphore: grants arrive from a synchronous receive routine, the balance must be
 * exact and observable for tests, and a closed connection must fail waiters with a typed error.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type { ConnectionStopped } from "../errors.js"

interface Waiter {
  readonly credits: number
  readonly deferred: Deferred.Deferred<void, ConnectionStopped>
}

/**
 * What a message asks the window for: its CreditRequest plus the credits it spends (at least one).
 *
 * @since 0.1.0
 */
export const askOf = (message: { readonly header: { readonly credits: number; readonly creditCharge: number } }): number =>
  message.header.credits + Math.max(1, message.header.creditCharge)

/**
 * @since 0.1.0
 * @category models
 */
export class CreditWindow {
  private available: number
  private granted = 0
  private spent = 0
  /** Credits asked for and not granted yet. */
  private asked = 0
  private refused = 0
  private readonly waiters: Array<Waiter> = []
  private stopped: ConnectionStopped | undefined

  /** A connection starts with one credit: the one NEGOTIATE may spend. */
  constructor(initial = 1) {
    this.available = initial
  }

  /** Credits that may be spent now. */
  get balance(): number {
    return this.available
  }
  /** Credits granted by the server so far (not counting the initial one). */
  get totalGranted(): number {
    return this.granted
  }
  /** Credits spent by senders so far. */
  get totalSpent(): number {
    return this.spent
  }
  /** Credits granted beyond what was asked for, and ignored. */
  get totalRefused(): number {
    return this.refused
  }
  get waiting(): number {
    return this.waiters.length
  }

  /** Records what a request about to be sent asks for (see `askOf`). */
  ask(credits: number): void {
    this.asked += credits
  }

  /**
   * Adds `credits` from a response header, up to what is still asked for; wakes waiters in order
   * while the window allows.
   */
  grant(offered: number): void {
    if (offered <= 0) return
    const credits = Math.min(offered, this.asked)
    this.refused += offered - credits
    this.asked -= credits
    if (credits === 0) return
    this.granted += credits
    this.available += credits
    this.drain()
  }

  /** Returns credits taken by a waiter that was interrupted after its turn came. */
  private refund(credits: number): void {
    this.spent -= credits
    this.available += credits
    this.drain()
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!
      if (head.credits > this.available) return
      this.waiters.shift()
      this.available -= head.credits
      this.spent += head.credits
      Deferred.unsafeDone(head.deferred, Exit.void)
    }
  }

  /** Takes `credits` now if the window allows and nobody waits before us. */
  tryAcquire(credits: number): boolean {
    if (this.stopped !== undefined || this.waiters.length > 0 || credits > this.available) return false
    this.available -= credits
    this.spent += credits
    return true
  }

  /**
   * Takes `credits`, waiting behind earlier waiters while the window is short. Only the wait is
   * interruptible: run inside an uninterruptible region, credits taken on the fast path cannot be
   * lost to an interruption before the caller has used them.
   */
  acquire(credits: number): Effect.Effect<void, ConnectionStopped> {
    return Effect.suspend(() => {
      if (this.stopped !== undefined) return Effect.fail(this.stopped)
      if (this.tryAcquire(credits)) return Effect.void
      const waiter: Waiter = { credits, deferred: Deferred.unsafeMake<void, ConnectionStopped>(FiberId.none) }
      this.waiters.push(waiter)
      return Effect.interruptible(Deferred.await(waiter.deferred)).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const index = this.waiters.indexOf(waiter)
            if (index >= 0) {
              this.waiters.splice(index, 1)
              // a smaller waiter behind it may fit now
              this.drain()
            } else if (this.stopped === undefined) {
              this.refund(credits)
            }
          })
        )
      )
    })
  }

  /** Fails every waiter and every later acquire with `error`. */
  stop(error: ConnectionStopped): void {
    if (this.stopped !== undefined) return
    this.stopped = error
    const waiters = this.waiters.splice(0)
    for (const w of waiters) Deferred.unsafeDone(w.deferred, Exit.fail(error))
  }
}
