/**
 * Makes sure the Samba programs the harness needs are installed, installing the Debian packages
 * with apt-get when they are not (users and CI machines start without Samba). When everything is
 * present this only looks at a few files, so it is cheap to call before every run.
 */
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"
import { describeExit, run } from "./exec.js"
import { SambaError } from "./SambaError.js"

export interface InstallOptions {
  /** Also install samba-testsuite (smbtorture), which benchmarks use. */
  readonly testsuite?: boolean
  /** Progress lines; default: written to stderr. */
  readonly log?: (line: string) => void
}

export interface InstallReport {
  /** Packages apt-get was asked to install; empty when everything was already there. */
  readonly installed: ReadonlyArray<string>
  readonly millis: number
}

export const SMBD = "/usr/sbin/smbd"

const defaultLog = (line: string): void => {
  process.stderr.write(`samba harness: ${line}\n`)
}

/** The absolute path of an executable on PATH (plus the sbin directories root has), if any. */
export const findExecutable = (name: string): string | undefined => {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
  for (const dir of dirs) {
    if (dir === "") continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      continue
    }
  }
  return undefined
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The packages that are needed and missing, judged by the programs each one provides. */
export const missingPackages = (options: Pick<InstallOptions, "testsuite"> = {}): Array<string> => {
  const missing: Array<string> = []
  if (!isExecutable(SMBD) || findExecutable("smbpasswd") === undefined || findExecutable("testparm") === undefined) {
    missing.push("samba")
  }
  if (findExecutable("smbclient") === undefined) missing.push("smbclient")
  if (options.testsuite === true && findExecutable("smbtorture") === undefined) missing.push("samba-testsuite")
  return missing
}

export const isRoot = (): boolean => process.getuid?.() === 0

export const ensureSambaInstalled = async (options: InstallOptions = {}): Promise<InstallReport> => {
  const started = Date.now()
  const log = options.log ?? defaultLog
  const packages = missingPackages(options)
  if (packages.length === 0) return { installed: [], millis: Date.now() - started }
  if (!isRoot()) {
    throw new SambaError({
      reason: "NotRoot",
      detail: `missing package(s) ${packages.join(", ")} and not running as root; run: apt-get install -y ${packages.join(" ")}`
    })
  }
  if (findExecutable("apt-get") === undefined) {
    throw new SambaError({
      reason: "NotInstalled",
      detail: `missing package(s) ${packages.join(", ")} and apt-get is not available; install them with the system's package manager`
    })
  }
  // Another installer may hold the dpkg lock for a while (e.g. a parallel run): wait for it.
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  log("apt-get update")
  const update = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "update"], { env, echoToStderr: true })
  if (update.code !== 0) {
    throw new SambaError({ reason: "InstallFailed", detail: `apt-get update failed (${describeExit(update)})` })
  }
  log(`apt-get install -y ${packages.join(" ")}`)
  const install = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "install", "-y", ...packages], {
    env,
    echoToStderr: true
  })
  if (install.code !== 0) {
    throw new SambaError({
      reason: "InstallFailed",
      detail: `apt-get install -y ${packages.join(" ")} failed (${describeExit(install)})`
    })
  }
  const stillMissing = missingPackages(options)
  if (stillMissing.length > 0) {
    throw new SambaError({
      reason: "InstallFailed",
      detail: `apt-get succeeded but the programs of ${stillMissing.join(", ")} are still missing`
    })
  }
  const millis = Date.now() - started
  log(`installed ${packages.join(", ")} in ${(millis / 1000).toFixed(1)} s`)
  return { installed: packages, millis }
}
