/**
 * vitest globalSetup: installs Samba when missing, starts one private smbd per variant in
 * parallel and provides their connection details as `inject("samba")`; the teardown stops them.
 * If Samba cannot be installed or started, the run fails under CI and is told to skip (loudly)
 * otherwise. Servers left by a run that was killed outright are removed first; an interrupted
 * run (SIGINT/SIGTERM, process.exit) stops its servers through the manager's exit handlers.
 * Set SAMBA_HARNESS_VERBOSE=1 to print the ports and timings.
 */
import type { TestProject } from "vitest/node"
import { isCI, unavailableBanner } from "./context.js"
import type { SambaServers } from "./context.js"
import type { SambaInstance } from "./Samba.js"
import { ensureSambaInstalled, SAMBA_VARIANTS, startSamba, stopSamba, sweepStaleSamba } from "./Samba.js"

const startAll = async (): Promise<Array<SambaInstance>> => {
  const results = await Promise.allSettled(SAMBA_VARIANTS.map((variant) => startSamba({ variant })))
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))
  const failed = results.find((r) => r.status === "rejected")
  if (failed !== undefined) {
    await Promise.all(started.map(stopSamba))
    throw failed.reason
  }
  return started
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const began = Date.now()
  let instances: Array<SambaInstance> = []
  try {
    await sweepStaleSamba()
    const install = await ensureSambaInstalled()
    instances = await startAll()
    const servers = Object.fromEntries(instances.map((i) => [i.variant, i])) as unknown as SambaServers
    project.provide("samba", { available: true, servers })
    if (process.env.SAMBA_HARNESS_VERBOSE !== undefined) {
      const each = instances.map((i) => `${i.variant} :${i.port} ready ${i.readyMs} ms / start ${i.startMs} ms`)
      process.stderr.write(
        `samba harness: install check ${install.millis} ms; ${each.join("; ")}; total ${Date.now() - began} ms\n`
      )
    }
  } catch (error) {
    if (isCI()) throw error
    const reason = error instanceof Error ? error.message : String(error)
    process.stderr.write(unavailableBanner(reason))
    project.provide("samba", { available: false, reason })
  }
  return async () => {
    const stopping = Date.now()
    await Promise.all(instances.map(stopSamba))
    if (process.env.SAMBA_HARNESS_VERBOSE !== undefined) {
      process.stderr.write(`samba harness: stopped ${instances.length} servers in ${Date.now() - stopping} ms\n`)
    }
  }
}
