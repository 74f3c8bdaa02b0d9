/**
 * A Samba Active Directory domain controller on one loopback address, for the Kerberos and DFS
 * tests. Recipe verified with Samba 4.17 / MIT Kerberos 1.20 on Debian 12 (see the notes below):
 *
 * - Provisioning takes ~6 s, so it is done once per Samba version and recipe and cached under
 *   /var/tmp/effect-smb-addc/KEY; each start copies that directory (~30 MB, tens of ms) and writes
 *   its own smb.conf (the only file of the provisioned tree that holds absolute paths).
 * - The DC binds one address, chosen at random in 127.0.0.0/8 per start (other suites use
 *   127.0.0.x), added to `lo` as a /32 and removed at stop. Its ports (88, 135, 389, 445, 464,
 *   636, 3268, 3269, 49152-49154) are then free on that address.
 * - The DC's smbd only finds its winbindd at the built-in /run/samba/winbindd/pipe, which would
 *   also answer every other smbd on the machine. So `samba` runs in a mount namespace of its own
 *   with a private directory bind-mounted over /run/samba (pid files land there too).
 * - `samba -i -M single` stays in the foreground; its argv is overwritten ("samba: root
 *   process"), so it is stopped by pid and start time, and its children by their --configfile.
 * - `log level = 1 auth_audit:4` makes the DC log "Auth: [SMB2,krb5]" or "[SMB2,NTLMSSP]" lines,
 *   which the tests read to prove which mechanism authenticated.
 * - `ntlm: false` sets `ntlm auth = disabled`: NTLMSSP logons fail with NT_STATUS_NTLM_BLOCKED.
 * - A member server, MEMBER1 (startMember: smbd and winbindd, `security = ads`), is joined once,
 *   on a copy of the provisioned DC (started on a scratch address, `samba-tool domain join ...
 *   MEMBER`), and that copy with the member's state is cached beside the DC's: a DC started with
 *   `member: true` copies both. Only a suite that runs the member asks for it, so a first run on a
 *   fresh machine joins (5 to 20 s) in that suite's worker, not in the global setup every test
 *   waits for. The join and the member run in mount namespaces whose /etc/hosts names the DC
 *   (Samba resolves the DC's name; the machine's hosts file is never edited) and whose
 *   /run/samba is private.
 *
 * A krb5.conf for the realm is written into the run directory: MIT tools (kinit) must be pointed
 * at it with KRB5_CONFIG, never at /etc/krb5.conf (the package's default names ATHENA.MIT.EDU).
 */
import { spawn, spawnSync } from "node:child_process"
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { chmod, mkdir, mkdtemp, readFile, rename, writeFile } from "node:fs/promises"
import { connect } from "node:net"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describeExit, run } from "../samba/exec.js"
import { findExecutable, isRoot } from "../samba/install.js"
import { childrenOf, isAlive, pidsUsingConf, startTimeOf } from "../samba/proc.js"
import { whenProcessEnds } from "../processEnd.js"
import { SambaError } from "../samba/SambaError.js"

export interface AddcOptions {
  /** Default: a random free address in 127.0.0.0/8 (never 127.0.0.0/24). */
  readonly address?: string
  /** Allow NTLM logons (`ntlm auth = ntlmv2-only`); false: `ntlm auth = disabled`. Default true. */
  readonly ntlm?: boolean
  /** Extra `[global]` lines. */
  readonly extraGlobal?: ReadonlyArray<string>
  /** Extra share sections, appended verbatim. */
  readonly extraShares?: string
  /** How long to wait for ports 88 and 445; default 60 000. */
  readonly startTimeoutMs?: number
  /** Progress lines; default none. */
  readonly log?: (line: string) => void
  /** Start from the provisioning with MEMBER1 joined (joining it the first time), for startMember. */
  readonly member?: boolean
}

/** A running DC. Plain data, so that vitest can hand it from globalSetup to the test workers. */
export interface AddcInstance {
  readonly address: string
  readonly realm: string
  /** NetBIOS domain name. */
  readonly domain: string
  /** The DC's DNS name (resolve it to `address` in the client: it is in no DNS). */
  readonly hostname: string
  readonly kdc: { readonly host: string; readonly port: number }
  readonly user: string
  /** A fixed test credential; wrap it in Redacted before giving it to the client. */
  readonly password: string
  /** A plain share, `share`, and an MS-DFS root, `dfs` (add links as symlinks in dfsPath). */
  readonly share: string
  readonly sharePath: string
  readonly dfsShare: string
  readonly dfsPath: string
  readonly ntlm: boolean
  /** A krb5.conf naming the realm and its KDC: set KRB5_CONFIG to it for kinit. */
  readonly krb5Conf: string
  readonly workdir: string
  readonly conf: string
  /** The DC's log (auth_audit lines included). */
  readonly logPath: string
  readonly pid: number
  /** Provisioning time when this start provisioned, else 0 (the cache was used). */
  readonly provisionMs: number
  /** From spawning samba to ports 88 and 445 accepting. */
  readonly readyMs: number
  /** The whole of startAddc. */
  readonly startMs: number
}

export const REALM = "EXAMPLE.TEST"
export const DOMAIN = "EXAMPLE"
export const HOSTNAME = "dc1.example.test"
const NETBIOS = "DC1"
const ADMIN_PASSWORD = "Admin-Pass-123"
const USER = "kuser"
const PASSWORD = "Kuser-Pass-123"
/** Bump when the provisioning recipe changes: the cache key includes it. */
const RECIPE = 1
/** Likewise for the member's join on top of it. */
const MEMBER_RECIPE = 1
const CACHE_ROOT = "/var/tmp/effect-smb-addc"
// Not "effect-smb-...": the standalone harness sweeps /tmp/effect-smb-* directories it thinks stale.
const WORKDIR_PREFIX = "esmb-addc-"
// Under WORKDIR_PREFIX, so that sweepStaleAddc sweeps members too.
const MEMBER_PREFIX = `${WORKDIR_PREFIX}member-`
const OWNER_FILE = "addc-owner.json"
const POLL_MS = 50
const PACKAGES = ["samba-ad-dc", "krb5-user", "smbclient"]

// ---------------------------------------------------------------------------------------------
// Install.

const missing = (): Array<string> =>
  [
    ...(findExecutable("samba") === undefined || findExecutable("samba-tool") === undefined ? ["samba-ad-dc"] : []),
    ...(findExecutable("kinit") === undefined ? ["krb5-user"] : []),
    ...(findExecutable("smbclient") === undefined ? ["smbclient"] : [])
  ]

/** Installs samba-ad-dc, krb5-user and smbclient with apt-get when their programs are missing. */
export const ensureAddcInstalled = async (log: (line: string) => void = () => {}): Promise<{ readonly millis: number }> => {
  const started = Date.now()
  const packages = missing()
  if (packages.length === 0) return { millis: 0 }
  if (!isRoot()) throw new SambaError({ reason: "NotRoot", detail: `missing ${packages.join(", ")}; run: apt-get install -y ${PACKAGES.join(" ")}` })
  if (findExecutable("apt-get") === undefined) {
    throw new SambaError({ reason: "NotInstalled", detail: `missing ${packages.join(", ")} and no apt-get` })
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  log("apt-get update")
  const update = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "update"], { env })
  if (update.code !== 0) throw new SambaError({ reason: "InstallFailed", detail: `apt-get update: ${describeExit(update)}` })
  log(`apt-get install -y ${packages.join(" ")}`)
  const install = await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "install", "-y", ...packages], { env })
  if (install.code !== 0 || missing().length > 0) {
    throw new SambaError({ reason: "InstallFailed", detail: `apt-get install ${packages.join(" ")}: ${describeExit(install)} ${install.stderr.trim()}` })
  }
  return { millis: Date.now() - started }
}

// ---------------------------------------------------------------------------------------------
// Provisioning, cached.

const sambaVersion = async (): Promise<string> => {
  const result = await run("samba", ["-V"])
  return result.stdout.trim().replace(/[^A-Za-z0-9.]+/g, "_")
}

const tool = async (args: ReadonlyArray<string>, what: string): Promise<void> => {
  const result = await run("samba-tool", args)
  if (result.code !== 0) {
    throw new SambaError({ reason: "Setup", detail: `samba-tool ${what} failed (${describeExit(result)}): ${(result.stderr || result.stdout).trim().slice(-2000)}` })
  }
}

/** The contents of `from` into `to`, owners and modes kept: cp -a, several times faster than fs.cp on these trees of many small files. */
const copyTree = async (from: string, to: string): Promise<void> => {
  const copy = await run("cp", ["-a", `${from}/.`, to])
  if (copy.code !== 0) throw new SambaError({ reason: "Setup", detail: `cp -a ${from}: ${copy.stderr.trim()}` })
}

/**
 * The provisioned directory for this Samba version and recipe, provisioning it when absent; with
 * `withMember`, a copy of it with MEMBER1 joined. Made in a temporary directory and renamed into
 * place, so that concurrent runs never see a half-made one (the loser of a race removes its own).
 */
export const provisioned = async (
  log: (line: string) => void = () => {},
  withMember = false
): Promise<{ readonly dir: string; readonly millis: number }> => {
  const version = await sambaVersion()
  const dir = join(CACHE_ROOT, withMember ? `${version}-r${RECIPE}-m${MEMBER_RECIPE}` : `${version}-r${RECIPE}`)
  if (existsSync(join(dir, "private", "sam.ldb"))) return { dir, millis: 0 }
  const started = Date.now()
  const base = withMember ? await provisioned(log) : undefined
  await mkdir(CACHE_ROOT, { recursive: true })
  const temp = await mkdtemp(join(CACHE_ROOT, "provisioning-"))
  try {
    if (base !== undefined) {
      await copyTree(base.dir, temp)
      await joinMember(temp, log)
    } else {
      log(`provisioning ${REALM} into ${temp}`)
      const empty = join(temp, "empty.conf")
      await writeFile(empty, "")
      await tool([
        "domain", "provision", "-s", empty,
        `--realm=${REALM}`, `--domain=${DOMAIN}`, "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
        `--host-name=${NETBIOS.toLowerCase()}`, "--host-ip=127.0.0.2", `--option=netbios name=${NETBIOS}`,
        `--adminpass=${ADMIN_PASSWORD}`, `--targetdir=${temp}`
      ], "domain provision")
      const conf = join(temp, "etc", "smb.conf")
      const sam = join(temp, "private", "sam.ldb")
      await tool(["user", "create", USER, PASSWORD, "-s", conf, "-H", sam], "user create")
      await tool(["user", "setexpiry", USER, "--noexpiry", "-s", conf, "-H", sam], "user setexpiry")
      rmSync(empty)
    }
    try {
      await rename(temp, dir)
    } catch {
      // Another run provisioned first: use its copy.
      rmSync(temp, { recursive: true, force: true })
    }
    return { dir, millis: Date.now() - started }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// Addresses.

const loopbackAddresses = async (): Promise<Set<string>> => {
  const result = await run("ip", ["-4", "-o", "addr", "show", "dev", "lo"])
  return new Set([...result.stdout.matchAll(/inet (127\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!))
}

const randomAddress = (): string => {
  const byte = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))
  return `127.${byte(1, 254)}.${byte(0, 255)}.${byte(2, 254)}`
}

const isLoopback = (address: string): boolean => {
  const parts = address.split(".").map(Number)
  return parts.length === 4 && parts[0] === 127 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
}

const addAddress = async (address: string): Promise<void> => {
  const result = await run("ip", ["addr", "add", `${address}/32`, "dev", "lo"])
  if (result.code !== 0) throw new SambaError({ reason: "Setup", detail: `ip addr add ${address}/32 dev lo: ${result.stderr.trim()}` })
}

// Synchronous: exit handlers cannot wait.
const removeAddressSync = (address: string): void => {
  spawnSync("ip", ["addr", "del", `${address}/32`, "dev", "lo"], { stdio: "ignore" })
}

// ---------------------------------------------------------------------------------------------
// Stopping (exact: the pid and start time we recorded, then processes naming our config).

interface Owned {
  /** Removed at stop, unless `keep` (the provisioning directory, stopped before it is cached). */
  readonly workdir: string
  readonly keep?: boolean
  readonly conf: string
  readonly address: string
  readonly addedAddress: boolean
  pid: number | undefined
  startTime: string | undefined
}

const owned = new Map<string, Owned>()

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig)
  } catch {
    // Already gone.
  }
}

const ours = (o: Owned): boolean => o.pid !== undefined && isAlive(o.pid) && startTimeOf(o.pid) === o.startTime

type Steps = Generator<number, void, void>

function* waitGone(pid: number, millis: number): Steps {
  for (let waited = 0; isAlive(pid) && waited < millis; waited += POLL_MS) yield POLL_MS
}

function* stopSteps(o: Owned): Steps {
  if (ours(o)) {
    const pid = o.pid!
    const children = childrenOf(pid)
    signal(pid, "SIGTERM")
    yield* waitGone(pid, 10_000)
    if (isAlive(pid) && startTimeOf(pid) === o.startTime) {
      signal(pid, "SIGKILL")
      yield* waitGone(pid, 1_000)
    }
    for (const child of children) yield* waitGone(child, 5_000)
  }
  for (const leftover of pidsUsingConf(o.conf)) {
    signal(leftover, "SIGTERM")
    yield* waitGone(leftover, 5_000)
    signal(leftover, "SIGKILL")
  }
  if (o.addedAddress) removeAddressSync(o.address)
  if (o.keep !== true) rmSync(o.workdir, { recursive: true, force: true })
}

const runAsync = async (steps: Steps): Promise<void> => {
  for (let step = steps.next(); step.done !== true; step = steps.next()) await sleep(step.value)
}

const blocker = new Int32Array(new SharedArrayBuffer(4))
const runSync = (steps: Steps): void => {
  for (let step = steps.next(); step.done !== true; step = steps.next()) Atomics.wait(blocker, 0, 0, step.value)
}

const setHandlers = whenProcessEnds(() => {
  for (const o of [...owned.values()]) runSync(stopSteps(o))
  owned.clear()
})

/** Stops the DC, removes the address it added and its run directory. Idempotent. */
export const stopAddc = async (instance: Pick<AddcInstance, "workdir">): Promise<void> => {
  const o = owned.get(instance.workdir)
  if (o === undefined) return
  await release(o)
}

/** Stops DCs left by runs that were killed outright (their owner process is gone). */
export const sweepStaleAddc = async (parentDir = "/tmp"): Promise<Array<string>> => {
  const names = readdirSync(parentDir).filter((name) => name.startsWith(WORKDIR_PREFIX))
  const swept: Array<string> = []
  for (const name of names) {
    const workdir = join(parentDir, name)
    let record: { owner: { pid: number; startTime: string }; samba?: { pid: number; startTime: string }; address: string; addedAddress: boolean }
    try {
      record = JSON.parse(await readFile(join(workdir, OWNER_FILE), "utf8")) as typeof record
    } catch {
      continue
    }
    if (isAlive(record.owner.pid) && startTimeOf(record.owner.pid) === record.owner.startTime) continue
    await runAsync(stopSteps({
      workdir,
      conf: join(workdir, "etc", "smb.conf"),
      address: record.address,
      addedAddress: record.addedAddress,
      pid: record.samba?.pid,
      startTime: record.samba?.startTime
    }))
    swept.push(workdir)
  }
  return swept
}

// ---------------------------------------------------------------------------------------------
// Starting.

const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), 1_000)
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

const logTail = (path: string): string => {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-25).join("\n")
  } catch {
    return "(no log)"
  }
}

const renderConf = (w: string, address: string, options: AddcOptions): string => `# written by test/support/addc/Addc.ts
[global]
	netbios name = ${NETBIOS}
	realm = ${REALM}
	workgroup = ${DOMAIN}
	server role = active directory domain controller
	server services = s3fs, rpc, ldap, cldap, kdc, drepl, winbindd
	interfaces = ${address}
	bind interfaces only = yes
	binddns dir = ${w}/bind-dns
	cache directory = ${w}/cache
	lock directory = ${w}
	private dir = ${w}/private
	state directory = ${w}/state
	idmap_ldb:use rfc2307 = yes
	log file = ${w}/log/samba.log
	log level = 1 auth_audit:4
	host msdfs = yes
	ntlm auth = ${options.ntlm === false ? "disabled" : "ntlmv2-only"}
${(options.extraGlobal ?? []).map((line) => `\t${line}\n`).join("")}
[sysvol]
	path = ${w}/state/sysvol
	read only = no

[netlogon]
	path = ${w}/state/sysvol/${REALM.toLowerCase()}/scripts
	read only = no

[share]
	path = ${w}/share
	read only = no

[dfs]
	path = ${w}/dfs
	read only = no
	msdfs root = yes
${options.extraShares ?? ""}
`

const renderKrb5Conf = (address: string): string => `[libdefaults]
	default_realm = ${REALM}
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false

[realms]
	${REALM} = {
		kdc = ${address}:88
	}

[domain_realm]
	.${REALM.toLowerCase()} = ${REALM}
	${REALM.toLowerCase()} = ${REALM}
`

/** A free address in 127.0.0.0/8 outside 127.0.0.0/24, or the one asked for; whether it must be added to `lo`. */
const chooseAddress = async (wanted?: string): Promise<{ readonly address: string; readonly addedAddress: boolean }> => {
  const present = await loopbackAddresses()
  let address = wanted
  if (address === undefined) {
    do address = randomAddress()
    while (present.has(address) || address.startsWith("127.0.0."))
  }
  return { address, addedAddress: !present.has(address) }
}

const recordOwner = (o: Owned) =>
  writeFile(
    join(o.workdir, OWNER_FILE),
    JSON.stringify({
      owner: { pid: process.pid, startTime: startTimeOf(process.pid) },
      samba: o.pid === undefined ? undefined : { pid: o.pid, startTime: o.startTime },
      address: o.address,
      addedAddress: o.addedAddress
    })
  )

/** `sh -c` in a mount namespace of its own: `script` bind-mounts what it needs, then execs the server. */
const inNamespace = (script: string, args: ReadonlyArray<string>): Array<string> =>
  ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", ...args]

/**
 * Spawns `unshare args` for `o` (own process group and mount namespace), records its pid and
 * start time, and waits until every port in `ports` accepts on o.address; returns the wait.
 */
const launch = async (o: Owned, args: ReadonlyArray<string>, stdoutPath: string, logPath: string, ports: ReadonlyArray<number>, timeout: number): Promise<number> => {
  const out = openSync(stdoutPath, "a")
  const spawned = Date.now()
  const child = spawn("unshare", args, { stdio: ["ignore", out, out], detached: true })
  closeSync(out)
  child.unref()
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve)
    child.once("error", (cause) => reject(new SambaError({ reason: "StartFailed", detail: "could not run unshare", cause })))
  })
  o.pid = child.pid
  // unshare and sh exec in place, so the pid becomes the server's; its start time names it.
  o.startTime = startTimeOf(child.pid!)
  await recordOwner(o)
  for (;;) {
    if (!isAlive(o.pid!)) {
      throw new SambaError({ reason: "StartFailed", detail: `the server exited during startup; ${stdoutPath}:\n${logTail(stdoutPath)}\n${logTail(logPath)}` })
    }
    let ready = true
    for (const port of ports) if (!(await accepts(o.address, port))) ready = false
    if (ready) break
    if (Date.now() - spawned > timeout) {
      throw new SambaError({ reason: "StartTimeout", detail: `no answer on ${o.address}:${ports.join(", :")} within ${timeout} ms; ${logTail(logPath)}` })
    }
    await sleep(POLL_MS)
  }
  return Date.now() - spawned
}

const DC_SCRIPT = "mount --bind \"$1\" /run/samba && shift && exec \"$@\""

/** Starts samba for the DC directory `workdir` (conf and dirs made here) on `o.address`; returns the wait for ports 88 and 445. */
const launchDc = async (o: Owned, options: AddcOptions): Promise<number> => {
  const w = o.workdir
  await Promise.all(["run", "cache", "log", "share", "dfs"].map((d) => mkdir(join(w, d), { recursive: true })))
  await Promise.all([chmod(join(w, "share"), 0o777), chmod(join(w, "dfs"), 0o777)])
  await writeFile(o.conf, renderConf(w, o.address, options))
  if (o.addedAddress) await addAddress(o.address)
  // The DC's own mount namespace with /run/samba private (see above).
  const args = inNamespace(DC_SCRIPT, [join(w, "run"), "samba", "-i", "-M", "single", "-s", o.conf])
  return launch(o, args, join(w, "log", "samba.stdout.log"), join(w, "log", "samba.log"), [88, 445], options.startTimeoutMs ?? 60_000)
}

/** Stops what `o` started and forgets it. */
const release = async (o: Owned): Promise<void> => {
  await runAsync(stopSteps(o))
  owned.delete(o.workdir)
  if (owned.size === 0) setHandlers(false)
}

/** A hosts file for a namespace: the machine's, plus the test domain's names. */
const hostsFile = async (path: string, entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
  let base = ""
  try {
    base = await readFile("/etc/hosts", "utf8")
  } catch {
    // No hosts file: ours alone.
  }
  await writeFile(path, `${base.trimEnd()}\n${entries.map(([address, names]) => `${address}\t${names}`).join("\n")}\n`)
}

/**
 * Joins MEMBER1 to the domain provisioned in `dir` (state in dir/member): starts that DC on a
 * scratch address, runs `samba-tool domain join` in a mount namespace whose /etc/hosts names the
 * DC (the join resolves the DC's name; the machine's hosts file is never edited), stops the DC.
 */
const joinMember = async (dir: string, log: (line: string) => void): Promise<void> => {
  const { address, addedAddress } = await chooseAddress()
  const o: Owned = { workdir: dir, keep: true, conf: join(dir, "etc", "smb.conf"), address, addedAddress, pid: undefined, startTime: undefined }
  const before = new Set(readdirSync(dir))
  owned.set(dir, o)
  setHandlers(true)
  try {
    await launchDc(o, {})
    const m = join(dir, "member")
    await Promise.all(MEMBER_DIRS.map((d) => mkdir(join(m, d), { recursive: true })))
    await writeFile(join(m, "etc", "smb.conf"), renderMemberConf(m, "127.0.0.1", address))
    await hostsFile(join(m, "hosts"), [[address, `${HOSTNAME} ${NETBIOS.toLowerCase()}`]])
    log(`joining ${MEMBER_NETBIOS} to ${REALM}`)
    const joined = await run("unshare", inNamespace("mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"", [
      join(m, "hosts"), "samba-tool", "domain", "join", REALM, "MEMBER", "-s", join(m, "etc", "smb.conf"),
      "-U", "Administrator", `--password=${ADMIN_PASSWORD}`, `--server=${address}`
    ]))
    if (joined.code !== 0 || !existsSync(join(m, "private", "secrets.tdb"))) {
      throw new SambaError({ reason: "Setup", detail: `samba-tool domain join failed (${describeExit(joined)}): ${(joined.stderr || joined.stdout).trim().slice(-2000)}` })
    }
  } finally {
    await release(o)
    // What the scratch DC left (run, log, lock and message files) is not cached; the member's state is.
    for (const name of readdirSync(dir)) if (!before.has(name) && name !== "member") rmSync(join(dir, name), { recursive: true, force: true })
    for (const name of ["run", "log", "cache"]) rmSync(join(dir, "member", name), { recursive: true, force: true })
  }
}

/**
 * A run directory under /tmp holding a copy of `from`, owned from the start (released at exit, or
 * here when the copy fails), on an address chosen for it (or `wanted`).
 */
const ownCopy = async (prefix: string, from: string, wanted?: string): Promise<Owned> => {
  const { address, addedAddress } = await chooseAddress(wanted)
  const workdir = await mkdtemp(join("/tmp", prefix))
  const o: Owned = { workdir, conf: join(workdir, "etc", "smb.conf"), address, addedAddress, pid: undefined, startTime: undefined }
  owned.set(workdir, o)
  setHandlers(true)
  try {
    await recordOwner(o)
    await copyTree(from, workdir)
    await chmod(workdir, 0o755)
    return o
  } catch (error) {
    await release(o)
    throw error
  }
}

/**
 * Starts a DC from the cached provisioning (provisioning first when there is none). Needs root.
 * On failure nothing is left running, no address is left on `lo`, the run directory is removed.
 */
export const startAddc = async (options: AddcOptions = {}): Promise<AddcInstance> => {
  const started = Date.now()
  const log = options.log ?? (() => {})
  if (!isRoot()) throw new SambaError({ reason: "NotRoot", detail: "the AD DC must run as root" })
  if (options.address !== undefined && !isLoopback(options.address)) {
    throw new SambaError({ reason: "BadOptions", detail: `${options.address} is not in 127.0.0.0/8` })
  }
  const provision = await provisioned(log, options.member === true)
  const o = await ownCopy(WORKDIR_PREFIX, provision.dir, options.address)
  const { workdir, conf, address } = o
  try {
    const krb5Conf = join(workdir, "krb5.conf")
    await writeFile(krb5Conf, renderKrb5Conf(address))
    const readyMs = await launchDc(o, options)
    log(`AD DC ${HOSTNAME} on ${address} ready in ${readyMs} ms`)
    return {
      address,
      realm: REALM,
      domain: DOMAIN,
      hostname: HOSTNAME,
      kdc: { host: address, port: 88 },
      user: USER,
      password: PASSWORD,
      share: "share",
      sharePath: join(workdir, "share"),
      dfsShare: "dfs",
      dfsPath: join(workdir, "dfs"),
      ntlm: options.ntlm !== false,
      krb5Conf,
      workdir,
      conf,
      logPath: join(workdir, "log", "samba.log"),
      pid: o.pid!,
      provisionMs: provision.millis,
      readyMs,
      startMs: Date.now() - started
    }
  } catch (error) {
    await release(o)
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// A member server.

const MEMBER_NETBIOS = "MEMBER1"
const MEMBER_HOSTNAME = `${MEMBER_NETBIOS.toLowerCase()}.${REALM.toLowerCase()}`
const MEMBER_DIRS = ["etc", "private", "state", "cache", "lock", "run", "log", "share"]

const renderMemberConf = (w: string, address: string, dcAddress: string): string => `# written by test/support/addc/Addc.ts
[global]
	netbios name = ${MEMBER_NETBIOS}
	realm = ${REALM}
	workgroup = ${DOMAIN}
	security = ads
	server role = member server
	interfaces = ${address}
	bind interfaces only = yes
	password server = ${dcAddress}
	private dir = ${w}/private
	state directory = ${w}/state
	cache directory = ${w}/cache
	lock directory = ${w}/lock
	pid directory = ${w}/run
	ncalrpc dir = ${w}/run/ncalrpc
	log file = ${w}/log/smbd.log
	max log size = 0
	log level = 1 auth_audit:4
	kerberos method = secrets and keytab
	idmap config * : backend = tdb
	idmap config * : range = 3000-7999
	idmap config ${DOMAIN} : backend = rid
	idmap config ${DOMAIN} : range = 10000-999999
	disable netbios = yes
	smb ports = 445

[data]
	path = ${w}/share
	read only = no
`

/** A member server of the DC's domain. Plain data, like AddcInstance. */
export interface MemberInstance {
  readonly address: string
  /** Its DNS name (resolve it to `address` in the client). */
  readonly hostname: string
  readonly netbiosName: string
  /** A plain share, `data`, writable by the domain's users. */
  readonly share: string
  readonly sharePath: string
  readonly workdir: string
  readonly conf: string
  /** smbd's log (auth_audit lines included). */
  readonly logPath: string
  readonly pid: number
  /** From spawning to port 445 accepting and winbindd reaching the DC. */
  readonly readyMs: number
}

/**
 * Starts MEMBER1, a member server of `dc`'s domain (a DC started with `member: true`), on
 * an address of its own: smbd and winbindd in a mount namespace whose /run/samba is private (its
 * winbindd answers only its smbd) and whose /etc/hosts names the DC. Stop it with stopAddc.
 */
export const startMember = async (dc: Pick<AddcInstance, "address" | "workdir">, options: Pick<AddcOptions, "startTimeoutMs" | "log"> = {}): Promise<MemberInstance> => {
  const state = join(dc.workdir, "member")
  if (!existsSync(join(state, "private", "secrets.tdb"))) {
    throw new SambaError({ reason: "Setup", detail: `no joined member state in ${state}: start the DC with member: true` })
  }
  const o = await ownCopy(MEMBER_PREFIX, state)
  const { workdir, conf, address, addedAddress } = o
  try {
    await Promise.all(MEMBER_DIRS.map((d) => mkdir(join(workdir, d), { recursive: true })))
    await chmod(join(workdir, "share"), 0o777)
    await writeFile(conf, renderMemberConf(workdir, address, dc.address))
    const hosts = join(workdir, "hosts")
    await hostsFile(hosts, [[dc.address, `${HOSTNAME} ${NETBIOS.toLowerCase()}`], [address, `${MEMBER_HOSTNAME} ${MEMBER_NETBIOS.toLowerCase()}`]])
    if (addedAddress) await addAddress(address)
    const script = "mount --bind \"$1\" /etc/hosts && mount --bind \"$2\" /run/samba || exit 1\n" +
      "winbindd -F --no-process-group -s \"$3\" &\nexec smbd -F --no-process-group -s \"$3\""
    const logPath = join(workdir, "log", "smbd.log")
    const timeout = options.startTimeoutMs ?? 60_000
    const started = Date.now()
    await launch(o, inNamespace(script, [hosts, join(workdir, "run"), conf]), join(workdir, "log", "stdout.log"), logPath, [445], timeout)
    // winbindd must reach the DC before a domain user can log on: ask it from inside the namespace.
    for (;;) {
      const ping = await run("nsenter", ["-t", String(o.pid), "-m", "wbinfo", "--ping-dc"])
      if (ping.code === 0) break
      if (Date.now() - started > timeout) throw new SambaError({ reason: "StartTimeout", detail: `winbindd did not reach the DC: ${ping.stdout}${ping.stderr}` })
      await sleep(POLL_MS * 2)
    }
    const readyMs = Date.now() - started
    options.log?.(`member ${MEMBER_HOSTNAME} on ${address} ready in ${readyMs} ms`)
    return {
      address,
      hostname: MEMBER_HOSTNAME,
      netbiosName: MEMBER_NETBIOS,
      share: "data",
      sharePath: join(workdir, "share"),
      workdir,
      conf,
      logPath,
      pid: o.pid!,
      readyMs
    }
  } catch (error) {
    await release(o)
    throw error
  }
}
