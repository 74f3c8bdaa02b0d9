/**
 * Starts and stops private Samba smbd servers on 127.0.0.1 for the integration tests, the
 * benchmark and the demo. Each server gets its own free port and its own short working directory
 * (config, passdb, locks, logs, shares), so several run side by side without touching the
 * machine's Samba. Stopping is exact: only processes whose command line names the server's own
 * config file are signalled, never "every smbd".
 *
 * Ported from a recipe verified with Samba 4.17 on Debian 12; the measured gotchas it encodes:
 * - smbd must NOT get `--no-process-group`: on exit it does `kill(0, SIGTERM)`, which would hit
 *   our process group. Without the flag, `smbd --foreground` calls setsid() itself and so gets its
 *   own session and process group. It must not be spawned `detached` though: that already makes it
 *   a session leader, its setsid() fails and it exits ("Failed to create session").
 * - smbd starts samba-dcerpcd on first RPC use; it detaches and outlives smbd, so it is stopped
 *   separately (pid in WORKDIR/run/samba-dcerpcd.pid).
 * - Unix sockets live under WORKDIR: at more than 80 characters RPC fails, at 88 smbd will not
 *   start. WORKDIR and its parents must be traversable by the share user.
 * - Right after spawn, /proc/PID/cmdline may not be smbd's yet (fork/exec race), so startup only
 *   checks that the pid is alive; the argv check comes later.
 * - Processes that exited can stay zombies for a while; they count as dead.
 */
import { spawn } from "node:child_process"
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { chmod, chown, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises"
import { connect, createServer } from "node:net"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describeExit, run } from "./exec.js"
import { findExecutable, isRoot, missingPackages, SMBD } from "./install.js"
import { childrenOf, isAlive, ownsLoopbackListener, pidsUsingConf, startTimeOf, usesConf } from "./proc.js"
import { whenProcessEnds } from "../processEnd.js"
import { SambaError } from "./SambaError.js"
import type { SambaProtocol, SambaVariant } from "./SmbConf.js"
import { ENC_SHARE, renderSmbConf, SAMBA_VARIANTS, SHARE } from "./SmbConf.js"

export interface StartOptions {
  /** Default `default`. */
  readonly variant?: SambaVariant
  /** Default: a free port chosen here (and re-chosen if something else takes it first). */
  readonly port?: number
  /** Extra `[global]` lines, e.g. `server smb3 encryption algorithms = AES-256-GCM`. */
  readonly extraGlobal?: ReadonlyArray<string>
  /** Default `SMB2_02`. */
  readonly minProtocol?: SambaProtocol
  /** Default `SMB3_11`. */
  readonly maxProtocol?: SambaProtocol
  /** Default `smbuser`; a Unix account of that name is created if missing. */
  readonly user?: string
  /** Default `smbpass123`. */
  readonly password?: string
  /** smbd `log level`; default 1. */
  readonly logLevel?: number
  /** Where WORKDIR is created; default `/tmp`. */
  readonly parentDir?: string
  /** How long to wait for the port; default 30 000. */
  readonly startTimeoutMs?: number
  /**
   * The loopback address smbd binds; default 127.0.0.1. Any other must already be on an
   * interface (see loopback.ts), and must lie in 127.0.0.0/8.
   */
  readonly address?: string
  /** More shares beside `share`: a directory each, owned by the user, with extra share lines. */
  readonly extraShares?: ReadonlyArray<{ readonly name: string; readonly lines?: ReadonlyArray<string> }>
}

/**
 * A running server. Plain data (no methods), so that vitest can hand it from globalSetup to the
 * test workers. The password is a fixed test credential; wrap it in `Redacted` before giving it
 * to the client.
 */
export interface SambaInstance {
  readonly variant: SambaVariant
  readonly host: string
  readonly port: number
  readonly share: string
  /** `encshare` (encryption required) for the `share-encrypt` variant, otherwise null. */
  readonly encShare: string | null
  readonly user: string
  readonly password: string
  readonly minProtocol: SambaProtocol
  readonly maxProtocol: SambaProtocol
  readonly extraGlobal: ReadonlyArray<string>
  readonly workdir: string
  readonly conf: string
  /** The directory behind `share` on this machine (owned by `user`). */
  readonly sharePath: string
  readonly encSharePath: string | null
  /** The directory behind each of `extraShares`, by name. */
  readonly extraSharePaths: { readonly [name: string]: string }
  readonly logPath: string
  /** The smbd parent process. */
  readonly pid: number
  /** From spawning smbd to the port accepting connections. */
  readonly readyMs: number
  /** The whole of startSamba, including config, user and passdb setup. */
  readonly startMs: number
}

const DEFAULT_HOST = "127.0.0.1"
const WORKDIR_PREFIX = "effect-smb-"
const MAX_WORKDIR_LENGTH = 80
const POLL_MS = 50
const PORT_ATTEMPTS = 4
/** Written into WORKDIR so that a later run can tell whether its owner is gone (see sweepStaleSamba). */
const OWNER_FILE = "harness-owner.json"

// ---------------------------------------------------------------------------------------------
// Processes this module started, so that they can be stopped even if the run is interrupted.

interface Tracked {
  readonly address: string
  readonly workdir: string
  readonly conf: string
  pid: number | undefined
  port: number | undefined
}

const tracked = new Map<string, Tracked>()

const cleanUpEverythingSync = (): void => {
  const all = [...tracked.values()]
  // Signal every smbd first so they all shut down at once, then finish each one.
  for (const t of all) if (t.pid !== undefined && usesConf(t.pid, t.conf)) signal(t.pid, "SIGTERM")
  for (const t of all) runSync(stopSteps(t))
  tracked.clear()
  setHandlers(false)
}

const setHandlers = whenProcessEnds(cleanUpEverythingSync)

const track = (t: Tracked): void => {
  tracked.set(t.workdir, t)
  setHandlers(true)
}

const untrack = (workdir: string): void => {
  tracked.delete(workdir)
  if (tracked.size === 0) setHandlers(false)
}

// ---------------------------------------------------------------------------------------------
// Stopping. Written once as a generator that yields how long to wait, and driven either with
// timers (normal stop) or by blocking (exit and signal handlers, which cannot wait for timers).

type Steps = Generator<number, void, void>

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig)
  } catch {
    // Already gone.
  }
}

function* waitGone(pid: number, millis: number): Steps {
  for (let waited = 0; isAlive(pid) && waited < millis; waited += POLL_MS) yield POLL_MS
}

/** SIGTERM, up to 10 s, SIGKILL; then up to 5 s for the children it had (they exit on their own). */
function* stopPid(pid: number): Steps {
  const children = childrenOf(pid)
  signal(pid, "SIGTERM")
  yield* waitGone(pid, 10_000)
  if (isAlive(pid)) {
    signal(pid, "SIGKILL")
    yield* waitGone(pid, 1_000)
  }
  for (const child of children) yield* waitGone(child, 5_000)
}

const readPid = (path: string): number | undefined => {
  try {
    const pid = Number(readFileSync(path, "utf8").replace(/\D/g, ""))
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function* stopSteps(t: { readonly workdir: string; readonly conf: string; readonly pid: number | undefined }): Steps {
  const smbd = t.pid ?? readPid(join(t.workdir, "smbd.pid"))
  if (smbd !== undefined && usesConf(smbd, t.conf)) yield* stopPid(smbd)
  const dcerpcd = readPid(join(t.workdir, "run", "samba-dcerpcd.pid"))
  if (dcerpcd !== undefined && usesConf(dcerpcd, t.conf)) yield* stopPid(dcerpcd)
  for (const leftover of pidsUsingConf(t.conf)) yield* stopPid(leftover)
  rmSync(t.workdir, { recursive: true, force: true })
}

const runAsync = async (steps: Steps): Promise<void> => {
  for (let step = steps.next(); step.done !== true; step = steps.next()) await sleep(step.value)
}

const blocker = new Int32Array(new SharedArrayBuffer(4))
const runSync = (steps: Steps): void => {
  for (let step = steps.next(); step.done !== true; step = steps.next()) Atomics.wait(blocker, 0, 0, step.value)
}

/**
 * Stops the server and everything it started, then deletes its WORKDIR. Idempotent; only
 * processes whose command line names this server's config file are signalled.
 */
export const stopSamba = async (instance: Pick<SambaInstance, "workdir" | "conf" | "pid">): Promise<void> => {
  await runAsync(stopSteps(instance))
  untrack(instance.workdir)
}

/**
 * Kills the server's smbd processes at once (SIGKILL, as a crash would: no client is told) and
 * starts smbd again on the same address, port and WORKDIR (its state directories kept, so the
 * server GUID stays; what smbd kept of its clients, sessions and open files, is gone). Returns
 * the instance with the new pid.
 */
export const restartSamba = async (instance: SambaInstance): Promise<SambaInstance> => {
  const t = tracked.get(instance.workdir)
  if (t === undefined) throw new SambaError({ reason: "BadOptions", detail: `${instance.workdir} is not a server started here` })
  const pids = pidsUsingConf(instance.conf)
  for (const pid of pids) signal(pid, "SIGKILL")
  for (const pid of pids) await runAsync(waitGone(pid, 5_000))
  const launched = await launch(t, instance.port, instance.logPath, 30_000)
  if (launched._tag !== "Ready") throw new SambaError({ reason: "PortInUse", detail: `${instance.host}:${instance.port} was taken while smbd restarted` })
  return { ...instance, pid: launched.pid, readyMs: launched.readyMs }
}

/**
 * Stops servers left behind by runs that ended without cleaning up (e.g. killed with SIGKILL):
 * harness working directories under `parentDir` whose owning process is gone. Returns the
 * directories it removed.
 */
export const sweepStaleSamba = async (parentDir = "/tmp"): Promise<Array<string>> => {
  let names: Array<string>
  try {
    names = readdirSync(parentDir).filter((name) => name.startsWith(WORKDIR_PREFIX))
  } catch {
    return []
  }
  const swept = await Promise.all(
    names.map(async (name) => {
      const workdir = join(parentDir, name)
      let owner: { pid: number; startTime: string }
      try {
        owner = JSON.parse(await readFile(join(workdir, OWNER_FILE), "utf8")) as { pid: number; startTime: string }
      } catch {
        return []
      }
      if (isAlive(owner.pid) && startTimeOf(owner.pid) === owner.startTime) return []
      await runAsync(stopSteps({ workdir, conf: join(workdir, "smb.conf"), pid: undefined }))
      return [workdir]
    })
  )
  return swept.flat()
}

// ---------------------------------------------------------------------------------------------
// Starting.

const accounts = new Map<string, Promise<{ readonly uid: number; readonly gid: number }>>()

/** Looks up, or creates once per process, the Unix account smbd maps the SMB user to. */
const ensureUser = (user: string): Promise<{ readonly uid: number; readonly gid: number }> => {
  const known = accounts.get(user)
  if (known !== undefined) return known
  const lookup = async () => {
    let entry = await run("getent", ["passwd", user])
    if (entry.code !== 0) {
      const add = await run("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user])
      entry = await run("getent", ["passwd", user])
      if (entry.code !== 0) {
        throw new SambaError({ reason: "Setup", detail: `could not create Unix user ${user}: ${add.stderr.trim() || describeExit(add)}` })
      }
    }
    const [, , uid, gid] = entry.stdout.trim().split(":")
    return { uid: Number(uid), gid: Number(gid) }
  }
  const pending = lookup()
  accounts.set(user, pending)
  pending.catch(() => accounts.delete(user))
  return pending
}

const pickFreePort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const pickPort = async (host: string): Promise<number> => {
  for (;;) {
    const port = await pickFreePort(host)
    if (![...tracked.values()].some((t) => t.port === port)) return port
  }
}

const portAccepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (accepted: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(accepted)
    }
    const timer = setTimeout(() => done(false), 1_000)
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

const logTail = (path: string, lines = 20): string => {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

type Launch =
  | { readonly _tag: "Ready"; readonly pid: number; readonly readyMs: number }
  | { readonly _tag: "PortTaken" }

/** Spawns smbd and waits until it, and not some other program, listens on the port. */
const launch = async (t: Tracked, port: number, logPath: string, timeoutMs: number): Promise<Launch> => {
  const out = openSync(logPath, "a")
  const started = Date.now()
  // stdin must not be a socket (Node's "pipe" is a socketpair): smbd would take it for an inetd
  // connection, serve it without setsid() and, on exit, SIGTERM our whole process group.
  const child = spawn(SMBD, ["--foreground", "--debug-stdout", "-s", t.conf], { stdio: ["ignore", out, out] })
  closeSync(out)
  child.unref()
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve)
      child.once("error", reject)
    })
  } catch (cause) {
    throw new SambaError({ reason: "StartFailed", detail: `could not run ${SMBD}`, cause })
  }
  const pid = child.pid
  if (pid === undefined) throw new SambaError({ reason: "StartFailed", detail: `${SMBD} has no pid` })
  t.pid = pid
  t.port = port
  await writeFile(join(t.workdir, "smbd.pid"), `${pid}\n`)
  for (;;) {
    if (!isAlive(pid)) {
      throw new SambaError({ reason: "StartFailed", detail: `smbd (pid ${pid}) exited during startup; ${logPath}:\n${logTail(logPath)}` })
    }
    if (await portAccepts(t.address, port)) {
      if (ownsLoopbackListener(pid, port, t.address)) {
        return { _tag: "Ready", pid, readyMs: Date.now() - started }
      }
      // Another program took the port first. smbd does not exit when it cannot bind; it waits.
      await runAsync(stopPid(pid))
      return { _tag: "PortTaken" }
    }
    if (Date.now() - started > timeoutMs) {
      throw new SambaError({
        reason: "StartTimeout",
        detail: `smbd (pid ${pid}) did not accept on ${t.address}:${port} within ${timeoutMs} ms; ${logPath}:\n${logTail(logPath)}`
      })
    }
    await sleep(POLL_MS)
  }
}

const PROTOCOLS: ReadonlyArray<SambaProtocol> = ["NT1", "SMB2_02", "SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"]

const validate = (o: StartOptions): void => {
  const bad = (detail: string) => new SambaError({ reason: "BadOptions", detail })
  if (o.variant !== undefined && !SAMBA_VARIANTS.includes(o.variant)) throw bad(`unknown variant ${String(o.variant)}`)
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) throw bad(`bad port ${o.port}`)
  for (const p of [o.minProtocol, o.maxProtocol]) if (p !== undefined && !PROTOCOLS.includes(p)) throw bad(`unknown protocol ${p}`)
  for (const line of o.extraGlobal ?? []) {
    if (/[\r\n]/.test(line) || line.trim().startsWith("[")) throw bad(`extra global line must be one [global] parameter: ${line}`)
  }
  if (o.user !== undefined && !/^[a-z_][a-z0-9_-]{0,30}$/.test(o.user)) throw bad(`bad user name ${o.user}`)
  if (o.password !== undefined && /[\r\n]/.test(o.password)) throw bad("the password must not contain a line break")
  if (o.address !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.address)) throw bad(`not a loopback address: ${o.address}`)
  for (const extra of o.extraShares ?? []) {
    if (!/^[a-z][a-z0-9_-]{0,30}$/.test(extra.name) || [SHARE, ENC_SHARE].includes(extra.name)) throw bad(`bad share name ${extra.name}`)
    for (const line of extra.lines ?? []) if (/[\r\n[]/.test(line)) throw bad(`extra share line must be one parameter: ${line}`)
  }
}

/**
 * Starts one private smbd. Needs root (smbd switches to the share user) and an installed Samba
 * (see ensureSambaInstalled). On failure nothing is left running and WORKDIR is removed.
 */
export const startSamba = async (options: StartOptions = {}): Promise<SambaInstance> => {
  const started = Date.now()
  validate(options)
  if (!isRoot()) throw new SambaError({ reason: "NotRoot", detail: "smbd must run as root (it switches to the share user)" })
  if (missingPackages().includes("samba")) {
    throw new SambaError({ reason: "NotInstalled", detail: `${SMBD}, smbpasswd or testparm missing; call ensureSambaInstalled() first` })
  }
  const variant = options.variant ?? "default"
  const user = options.user ?? "smbuser"
  const password = options.password ?? "smbpass123"
  const minProtocol = options.minProtocol ?? "SMB2_02"
  const maxProtocol = options.maxProtocol ?? "SMB3_11"
  const extraGlobal = options.extraGlobal ?? []
  const account = await ensureUser(user)

  const workdir = await mkdtemp(join(options.parentDir ?? "/tmp", WORKDIR_PREFIX))
  const conf = join(workdir, "smb.conf")
  const address = options.address ?? DEFAULT_HOST
  const t: Tracked = { address, workdir, conf, pid: undefined, port: undefined }
  track(t)
  try {
    if (workdir.length > MAX_WORKDIR_LENGTH) {
      throw new SambaError({ reason: "BadOptions", detail: `WORKDIR ${workdir} is longer than ${MAX_WORKDIR_LENGTH} characters (unix socket paths)` })
    }
    await writeFile(join(workdir, OWNER_FILE), JSON.stringify({ pid: process.pid, startTime: startTimeOf(process.pid) }))
    await chmod(workdir, 0o755)
    await Promise.all(
      ["log", "lock", "state", "cache", "run", "bind-dns", "usershares"].map((dir) => mkdir(join(workdir, dir)))
    )
    await mkdir(join(workdir, "private"), { mode: 0o700 })
    const sharePath = join(workdir, SHARE)
    const encSharePath = variant === "share-encrypt" ? join(workdir, ENC_SHARE) : null
    for (const dir of encSharePath === null ? [sharePath] : [sharePath, encSharePath]) {
      await mkdir(dir)
      await chown(dir, account.uid, account.gid)
    }
    const extraShares = options.extraShares ?? []
    const extraSharePaths: { [name: string]: string } = {}
    for (const extra of extraShares) {
      const dir = join(workdir, extra.name)
      await mkdir(dir)
      await chown(dir, account.uid, account.gid)
      extraSharePaths[extra.name] = dir
    }
    const logPath = join(workdir, "log", "smbd.stdout.log")

    let port = options.port ?? (await pickPort(address))
    const writeConf = () =>
      writeFile(
        conf,
        renderSmbConf({
          workdir,
          port,
          variant,
          user,
          minProtocol,
          maxProtocol,
          logLevel: options.logLevel ?? 1,
          extraGlobal,
          address,
          extraShares
        })
      )
    await writeConf()
    await Promise.all([checkConf(conf), setPassword(conf, user, password, workdir), checkShareWritable(user, sharePath)])

    for (let attempt = 1; ; attempt++) {
      const taken = (await portAccepts(address, port)) ? ({ _tag: "PortTaken" } as const) : await launch(t, port, logPath, options.startTimeoutMs ?? 30_000)
      if (taken._tag === "Ready") {
        return {
          variant,
          host: address,
          port,
          share: SHARE,
          encShare: encSharePath === null ? null : ENC_SHARE,
          user,
          password,
          minProtocol,
          maxProtocol,
          extraGlobal,
          workdir,
          conf,
          sharePath,
          encSharePath,
          extraSharePaths,
          logPath,
          pid: taken.pid,
          readyMs: taken.readyMs,
          startMs: Date.now() - started
        }
      }
      if (options.port !== undefined) {
        throw new SambaError({ reason: "PortInUse", detail: `${address}:${port} is already in use by another program` })
      }
      if (attempt >= PORT_ATTEMPTS) {
        throw new SambaError({ reason: "PortInUse", detail: `no free port after ${attempt} attempts (last ${port})` })
      }
      t.pid = undefined
      t.port = undefined
      port = await pickPort(address)
      await writeConf()
    }
  } catch (error) {
    await runAsync(stopSteps(t))
    untrack(workdir)
    throw error
  }
}

/** testparm exits 0 even for unknown parameters, so its warnings are checked too (typos in extraGlobal). */
const checkConf = async (conf: string): Promise<void> => {
  const testparm = findExecutable("testparm") ?? "testparm"
  const result = await run(testparm, ["-s", conf])
  const unknown = result.stderr.split("\n").filter((line) => line.startsWith("Unknown parameter encountered"))
  if (result.code !== 0 || unknown.length > 0) {
    throw new SambaError({
      reason: "BadOptions",
      detail: `testparm rejected ${conf} (${describeExit(result)}): ${unknown.join("; ") || result.stderr.trim()}`
    })
  }
}

const setPassword = async (conf: string, user: string, password: string, workdir: string): Promise<void> => {
  const result = await run("smbpasswd", ["-c", conf, "-s", "-a", user], { input: `${password}\n${password}\n` })
  await writeFile(join(workdir, "log", "smbpasswd.out"), result.stdout + result.stderr)
  if (result.code !== 0) {
    throw new SambaError({ reason: "Setup", detail: `smbpasswd -a ${user} failed (${describeExit(result)}): ${result.stderr.trim()}` })
  }
}

const checkShareWritable = async (user: string, sharePath: string): Promise<void> => {
  const result = await run("runuser", ["-u", user, "--", "test", "-w", sharePath])
  if (result.code !== 0) {
    throw new SambaError({
      reason: "Setup",
      detail: `${user} cannot write ${sharePath}: is every parent directory traversable (chmod o+x)? (${describeExit(result)})`
    })
  }
}

export { ensureSambaInstalled } from "./install.js"
export type { InstallOptions, InstallReport } from "./install.js"
export { SAMBA_VARIANTS } from "./SmbConf.js"
export type { SambaProtocol, SambaVariant } from "./SmbConf.js"
export { SambaError } from "./SambaError.js"
