/**
 * vitest globalSetup: vitest runs global setup files one after the other, so this one starts the
 * standalone Samba servers and the AD DC side by side and tears both down.
 */
import type { TestProject } from "vitest/node"
import addc from "./addc/globalSetup.js"
import samba from "./samba/globalSetup.js"

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const settled = await Promise.allSettled([samba(project), addc(project)])
  const teardowns = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []))
  const failed = settled.find((s) => s.status === "rejected")
  const teardown = async () => {
    await Promise.all(teardowns.map((t) => t()))
  }
  if (failed !== undefined) {
    await teardown()
    throw failed.reason
  }
  return teardown
}
