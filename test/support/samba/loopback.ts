/**
 * Extra loopback addresses for servers that must listen on port 445 side by side (DFS targets
 * name a server, never a port). smbd binds only an address that an interface carries
 * (/work/shared/samba/AD-DC.md, gotcha 1), so one is added to `lo` as a /32 (no route added:
 * 127.0.0.0/8 already reaches lo) and removed again, by exact address, when done or when the
 * process exits. Addresses are picked at random in 127.0.128.0–127.0.254.255 and skipped if lo
 * already carries them or anything listens on them, so parallel runs and other harnesses (which
 * use 127.0.0.x) do not collide.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { run } from "./exec.js"
import { whenProcessEnds } from "../processEnd.js"
import { SambaError } from "./SambaError.js"

const added = new Set<string>()

const removeSync = (address: string): void => {
  try {
    execFileSync("ip", ["addr", "del", `${address}/32`, "dev", "lo"], { stdio: "ignore" })
  } catch {
    // Already gone.
  }
  added.delete(address)
}

const atEnd = whenProcessEnds(() => {
  for (const address of [...added]) removeSync(address)
})

const hex = (address: string): string =>
  address.split(".").reverse().map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, "0")).join("")

/** Whether anything listens on `address` (any port), or lo already has it. */
const inUse = (address: string, loAddresses: string): boolean => {
  if (loAddresses.includes(`inet ${address}/`)) return true
  try {
    const prefix = `${hex(address)}:`
    return readFileSync("/proc/net/tcp", "utf8").split("\n").some((row) => row.trim().split(/\s+/)[1]?.startsWith(prefix) === true)
  } catch {
    return false
  }
}

/** Adds a free loopback address to lo and returns it with a function that removes it. */
export const addLoopbackAddress = async (): Promise<{ readonly address: string; readonly remove: () => void }> => {
  const shown = await run("ip", ["-4", "addr", "show", "dev", "lo"])
  if (shown.code !== 0) throw new SambaError({ reason: "Setup", detail: `ip addr show failed: ${shown.stderr.trim()}` })
  for (let attempt = 0; attempt < 20; attempt++) {
    const address = `127.0.${128 + Math.floor(Math.random() * 127)}.${1 + Math.floor(Math.random() * 254)}`
    if (inUse(address, shown.stdout)) continue
    const result = await run("ip", ["addr", "add", `${address}/32`, "dev", "lo"])
    if (result.code !== 0) continue
    if (added.size === 0) atEnd(true)
    added.add(address)
    return {
      address,
      remove: () => {
        removeSync(address)
        if (added.size === 0) atEnd(false)
      }
    }
  }
  throw new SambaError({ reason: "Setup", detail: "could not add a free loopback address to lo" })
}
