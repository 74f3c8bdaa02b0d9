/**
 * vitest globalSetup: installs the AD DC packages when missing, starts one DC (Kerberos and NTLM
 * allowed) for the whole run and provides it as `inject("addc")`; the teardown stops it. Fails the
 * run under CI when the DC cannot start, otherwise warns and lets the suites skip. Set
 * SAMBA_HARNESS_VERBOSE=1 to print its address and timings.
 */
import type { TestProject } from "vitest/node"
import { isCI } from "../samba/context.js"
import type { AddcInstance } from "./Addc.js"
import { ensureAddcInstalled, startAddc, stopAddc, sweepStaleAddc } from "./Addc.js"

const banner = (reason: string): string =>
  ["", "=".repeat(78), "WARNING: the AD DC (Kerberos) tests are SKIPPED: the DC is not available.", `  ${reason}`,
    "  (needs root and the Debian packages samba-ad-dc krb5-user smbclient; under CI=true this is an error)", "=".repeat(78), ""].join("\n")

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const verbose = process.env.SAMBA_HARNESS_VERBOSE !== undefined
  const log = (line: string) => {
    if (verbose) process.stderr.write(`addc harness: ${line}\n`)
  }
  let dc: AddcInstance | undefined
  try {
    await sweepStaleAddc()
    const install = await ensureAddcInstalled(log)
    dc = await startAddc({ log })
    project.provide("addc", { available: true, dc })
    log(`install ${install.millis} ms, provision ${dc.provisionMs} ms, ready ${dc.readyMs} ms, start ${dc.startMs} ms`)
  } catch (error) {
    if (isCI()) throw error
    const reason = error instanceof Error ? error.message : String(error)
    process.stderr.write(banner(reason))
    project.provide("addc", { available: false, reason })
  }
  return async () => {
    if (dc !== undefined) await stopAddc(dc)
  }
}
