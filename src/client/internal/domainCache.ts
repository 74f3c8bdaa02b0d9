/**
 * What domain-based DFS (MS-DFSC 3.1.1: DomainCache) remembers: the domain names a domain
 * controller's domain referral lists (the NetBIOS and the DNS name of its domain and of trusted
 * ones), and for each domain the DCs its DC referral lists, until their TimeToLive runs out. Names
 * compare case-insensitively. Pure: the caller passes the time.
 *
 * @since 0.1.0
 * @internal
 */
import type { DfsReferralResponse } from "../../wire/DfsReferral.js"

/** Referral names come with one or two leading backslashes ("\\EXAMPLE", "\\\\dc1.example.test"). */
const bare = (name: string): string => name.replace(/^\\+/, "")

/**
 * A domain referral's names, and how long they may be kept (seconds): the smallest TTL.
 *
 * @since 0.1.0
 * @internal
 */
export const domainNames = (response: DfsReferralResponse): { readonly names: Array<string>; readonly ttl: number } => {
  const lists = response.entries.flatMap((entry) => (entry._tag === "NameList" ? [entry] : []))
  return {
    names: lists.map((entry) => bare(entry.specialName)).filter((name) => name !== ""),
    ttl: lists.length === 0 ? 0 : Math.min(...lists.map((entry) => entry.timeToLive))
  }
}

/**
 * A DC referral's DC names (best first), and how long they may be kept (seconds).
 *
 * @since 0.1.0
 * @internal
 */
export const controllerNames = (response: DfsReferralResponse): { readonly names: Array<string>; readonly ttl: number } => {
  const lists = response.entries.flatMap((entry) => (entry._tag === "NameList" ? [entry] : []))
  return {
    names: lists.flatMap((entry) => entry.expandedNames.map(bare)).filter((name) => name !== ""),
    ttl: lists.length === 0 ? 0 : Math.min(...lists.map((entry) => entry.timeToLive))
  }
}

/** @since 0.1.0 @internal */
export class DomainCache {
  private domains: { readonly names: ReadonlySet<string>; readonly expiresAt: number } | undefined
  private readonly controllers = new Map<string, { readonly names: ReadonlyArray<string>; readonly expiresAt: number }>()

  /** Keeps the domain list until `expiresAt` (an empty list too: no domain was learned). */
  putDomains(names: ReadonlyArray<string>, expiresAt: number): void {
    this.domains = { names: new Set(names.map((name) => name.toLowerCase())), expiresAt }
  }

  /** Whether a domain list (maybe empty) is live. */
  knowsDomains(now: number): boolean {
    return this.domains !== undefined && this.domains.expiresAt > now
  }

  /** Whether `name` is in the live domain list. */
  isDomain(name: string, now: number): boolean {
    return this.knowsDomains(now) && this.domains!.names.has(name.toLowerCase())
  }

  /** Keeps `domain`'s DCs until `expiresAt`; an empty list is not kept. */
  putControllers(domain: string, names: ReadonlyArray<string>, expiresAt: number, now: number): void {
    if (names.length === 0 || expiresAt <= now) return
    this.controllers.set(domain.toLowerCase(), { names, expiresAt })
  }

  /** `domain`'s live DC list, best first. */
  controllersOf(domain: string, now: number): ReadonlyArray<string> | undefined {
    const key = domain.toLowerCase()
    const entry = this.controllers.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.controllers.delete(key)
      return undefined
    }
    return entry.names
  }

  /** Moves `name` to the front of `domain`'s DCs (the DC that answered is asked first next time). */
  preferController(domain: string, name: string): void {
    const key = domain.toLowerCase()
    const entry = this.controllers.get(key)
    if (entry === undefined || entry.names[0] === name) return
    this.controllers.set(key, { ...entry, names: [name, ...entry.names.filter((n) => n !== name)] })
  }
}
