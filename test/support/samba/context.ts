/**
 * What vitest's globalSetup hands to the test files (through provide/inject): either the running
 * servers, one per variant, or the reason there are none. Outside CI a machine without Samba (or
 * without root) still runs the rest of the suite; in CI a missing Samba is a failure.
 */
import type { SambaInstance } from "./Samba.js"
import type { SambaVariant } from "./SmbConf.js"

export type SambaServers = { readonly [V in SambaVariant]: SambaInstance }

export type SambaContext =
  | { readonly available: true; readonly servers: SambaServers }
  | { readonly available: false; readonly reason: string }

declare module "vitest" {
  export interface ProvidedContext {
    samba: SambaContext
  }
}

/** `CI=true` (as GitHub Actions and most CI services set it) or any other non-false value. */
export const isCI = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.CI !== undefined && !["", "0", "false"].includes(env.CI.toLowerCase())

export const unavailableBanner = (reason: string): string =>
  [
    "",
    "=".repeat(78),
    "WARNING: the real-Samba tests are SKIPPED: Samba is not available.",
    `  ${reason}`,
    "  (needs root and the Debian packages samba + smbclient; under CI=true this is an error)",
    "=".repeat(78),
    ""
  ].join("\n")
