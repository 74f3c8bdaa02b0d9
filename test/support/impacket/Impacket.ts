/**
 * impacket's smbserver as a second, independent SMB server for the tests: SMB 2.0.2 only, 64 KiB
 * sizes, no capabilities, NTLM without NTLMSSP_NEGOTIATE_SIGN. Samba is what the client is built
 * against; impacket catches what only Samba forgives.
 *
 * Installed when missing (Debian's python3-impacket, run with Debian's /usr/bin/python3, since a
 * python3 earlier on PATH may be another installation without it): impossible locally (not root,
 * no apt-get), the tests that need it skip loudly; under CI=true they fail. Each server is one
 * Python process (smbserver.py beside this file) on a port of 127.0.0.1 the kernel picks, with its
 * share in a fresh temporary directory and one user; stopping signals exactly that process.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { accessSync, constants } from "node:fs"
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { isCI } from "../samba/context.js"
import { describeExit, run } from "../samba/exec.js"
import { findExecutable, isRoot } from "../samba/install.js"

/** Debian's interpreter, which python3-impacket installs into. */
export const PYTHON = "/usr/bin/python3"
const SCRIPT = fileURLToPath(new URL("./smbserver.py", import.meta.url))
const HOST = "127.0.0.1"
const START_TIMEOUT_MS = 20_000

export interface ImpacketInstance {
  readonly host: string
  readonly port: number
  readonly share: string
  readonly user: string
  readonly password: string
  /** Holds the share and the log; removed when the server stops. */
  readonly workdir: string
  /** The directory behind `share` on this machine. */
  readonly sharePath: string
  readonly logPath: string
  readonly pid: number
  /** From spawning Python to "READY". */
  readonly readyMs: number
}

export class ImpacketUnavailable extends Error {
  override readonly name = "ImpacketUnavailable"
}

const importsImpacket = async (): Promise<boolean> => {
  try {
    accessSync(PYTHON, constants.X_OK)
  } catch {
    return false
  }
  return (await run(PYTHON, ["-c", "import impacket.smbserver"])).code === 0
}

/** Installs python3-impacket with apt-get when Debian's Python cannot import it. */
export const ensureImpacketInstalled = async (): Promise<{ readonly installed: boolean; readonly millis: number }> => {
  const started = Date.now()
  if (await importsImpacket()) return { installed: false, millis: Date.now() - started }
  if (!isRoot()) throw new ImpacketUnavailable("python3-impacket is missing and this is not root; run: apt-get install -y python3-impacket")
  if (findExecutable("apt-get") === undefined) throw new ImpacketUnavailable("python3-impacket is missing and apt-get is not available")
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  process.stderr.write("impacket harness: apt-get install -y python3-impacket\n")
  let install = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "install", "-y", "python3-impacket"], { env })
  if (install.code !== 0) {
    // The package lists may be missing or stale on a fresh machine.
    const update = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "update"], { env })
    if (update.code !== 0) throw new ImpacketUnavailable(`apt-get update failed (${describeExit(update)})`)
    install = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "install", "-y", "python3-impacket"], { env })
  }
  if (install.code !== 0) throw new ImpacketUnavailable(`apt-get install -y python3-impacket failed (${describeExit(install)})`)
  if (!(await importsImpacket())) throw new ImpacketUnavailable(`python3-impacket installed, but ${PYTHON} cannot import it`)
  return { installed: true, millis: Date.now() - started }
}

const running = new Map<number, ChildProcess>()

const killAll = (): void => {
  for (const child of running.values()) child.kill("SIGKILL")
  running.clear()
}

/** Starts a server; the caller stops it with `stopImpacket`. */
export const startImpacket = async (
  options: { readonly user?: string; readonly password?: string; readonly share?: string } = {}
): Promise<ImpacketInstance> => {
  const user = options.user ?? "impuser"
  const password = options.password ?? "imppass123"
  const share = options.share ?? "share"
  const workdir = await mkdtemp(join(tmpdir(), "effect-smb-impacket-"))
  const sharePath = join(workdir, share)
  const logPath = join(workdir, "smbserver.log")
  await mkdir(sharePath)
  const began = Date.now()
  // Its own process group is not needed: it starts no children, and is signalled by pid.
  const child = spawn(PYTHON, [SCRIPT, HOST, share, sharePath, user, logPath], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", IMPACKET_PASSWORD: password },
    stdio: ["ignore", "pipe", "pipe"]
  })
  if (running.size === 0) process.once("exit", killAll)
  running.set(child.pid!, child)
  let stderr = ""
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = ""
      const timer = setTimeout(() => reject(new ImpacketUnavailable(`smbserver.py not ready after ${START_TIMEOUT_MS} ms: ${stderr.trim()}`)), START_TIMEOUT_MS)
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk
        const ready = /READY (\d+)/.exec(stdout)
        if (ready !== null) {
          clearTimeout(timer)
          resolve(Number(ready[1]))
        }
      })
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new ImpacketUnavailable(`smbserver.py exited (${code ?? signal}) before it was ready: ${stderr.trim()}`))
      })
    })
    return { host: HOST, port, share, user, password, workdir, sharePath, logPath, pid: child.pid!, readyMs: Date.now() - began }
  } catch (error) {
    await stopImpacket({ pid: child.pid!, workdir })
    throw error
  }
}

/** Stops the server this module started with that pid (and only it), then removes its directory. */
export const stopImpacket = async (instance: Pick<ImpacketInstance, "pid" | "workdir">): Promise<void> => {
  const child = running.get(instance.pid)
  if (child !== undefined) {
    running.delete(instance.pid)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
      await exited
      clearTimeout(timer)
    }
  }
  if (running.size === 0) process.off("exit", killAll)
  await rm(instance.workdir, { recursive: true, force: true })
}

/** The server's log (impacket logs each request), for a failing test's message. */
export const impacketLog = (instance: Pick<ImpacketInstance, "logPath">): Promise<string> =>
  readFile(instance.logPath, "utf8").catch(() => "")

/**
 * For a test file's beforeAll: installs and starts a server, or, when that is impossible outside
 * CI, returns the reason (and prints a banner) so that the tests can skip with it.
 */
export const startOrSkip = async (): Promise<ImpacketInstance | { readonly unavailable: string }> => {
  try {
    await ensureImpacketInstalled()
    return await startImpacket()
  } catch (error) {
    if (isCI() || !(error instanceof ImpacketUnavailable)) throw error
    process.stderr.write(
      ["", "=".repeat(78), "WARNING: the impacket tests are SKIPPED: impacket's smbserver is not available.", `  ${error.message}`, "=".repeat(78), ""].join("\n")
    )
    return { unavailable: error.message }
  }
}
