/**
 * The DFS referral cache (MS-DFSC 3.1.1, ReferralCache): what a path prefix refers to, until the
 * server's TimeToLive runs out. Prefixes and lookups are compared component by component, case
 * insensitively (DFS names are), and the longest live prefix wins. Pure: the caller passes the
 * time, so tests need no clock.
 *
 * @since 0.1.0
 * @internal
 */

/**
 * A referral as cached: the prefix it resolves ("server", "share"[, "link"...]) and its
 * targets, best first, each "\\server\\share[\\path]".
 *
 * @since 0.1.0
 * @internal
 */
export interface CachedReferral {
  readonly prefix: ReadonlyArray<string>
  readonly targets: ReadonlyArray<string>
  /** Targets are DFS roots (further referrals may follow below them). */
  readonly root: boolean
  /** Milliseconds since the epoch after which the entry is gone. */
  readonly expiresAt: number
}

/** "\\\\server\\share\\a/b" and such split into their non-empty components. @since 0.1.0 @internal */
export const components = (path: string): Array<string> => path.split(/[\\/]+/).filter((part) => part !== "" && part !== ".")

const keyOf = (parts: ReadonlyArray<string>): string => parts.map((part) => part.toLowerCase()).join("\\")

/** @since 0.1.0 @internal */
export class ReferralCache {
  private readonly entries = new Map<string, CachedReferral>()

  /** Keeps `entry` (replacing one for the same prefix); one with no time to live is not kept. */
  put(entry: CachedReferral, now: number): void {
    if (entry.expiresAt <= now || entry.prefix.length === 0) return
    this.entries.set(keyOf(entry.prefix), entry)
  }

  /** The live entry with the longest prefix of `path` (components), and the components after it. */
  lookup(path: ReadonlyArray<string>, now: number): { readonly entry: CachedReferral; readonly rest: ReadonlyArray<string> } | undefined {
    for (let length = path.length; length > 0; length--) {
      const key = keyOf(path.slice(0, length))
      const entry = this.entries.get(key)
      if (entry === undefined) continue
      if (entry.expiresAt <= now) {
        this.entries.delete(key)
        continue
      }
      return { entry, rest: path.slice(length) }
    }
    return undefined
  }

  /** Moves `target` to the front of the entry's targets (the one that worked is tried first next time). */
  prefer(entry: CachedReferral, target: string): void {
    const key = keyOf(entry.prefix)
    if (this.entries.get(key) !== entry || entry.targets[0] === target) return
    this.entries.set(key, { ...entry, targets: [target, ...entry.targets.filter((t) => t !== target)] })
  }

  get size(): number {
    return this.entries.size
  }
}
