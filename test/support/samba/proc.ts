/**
 * What the harness needs to know about processes, read from Linux /proc so that it can stop
 * exactly the processes it started and nothing else on the machine. A zombie counts as dead: the
 * reaper (init, or this Node process while its event loop is blocked) may take seconds to collect
 * it, and it holds no port or file any more.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

interface ProcStat {
  readonly state: string
  readonly ppid: number
  readonly startTime: string
}

const stat = (pid: number): ProcStat | undefined => {
  let line: string
  try {
    line = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name in parentheses may itself contain spaces or parentheses.
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ")
  const [state, ppid] = fields
  const startTime = fields[19]
  if (state === undefined || ppid === undefined || startTime === undefined) return undefined
  return { state, ppid: Number(ppid), startTime }
}

export const isAlive = (pid: number): boolean => {
  const s = stat(pid)
  return s !== undefined && s.state !== "Z" && s.state !== "X"
}

/** Kernel start time of a process (clock ticks since boot): with the pid, it names one process. */
export const startTimeOf = (pid: number): string | undefined => stat(pid)?.startTime


const argvOf = (pid: number): ReadonlyArray<string> => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
  } catch {
    return []
  }
}

/**
 * Whether a live process was started with this config file: smbd gets `-s CONF`, samba-dcerpcd
 * and its rpcd_* workers get `--configfile=CONF`. Right after a fork the child may not have exec'd
 * yet, so this is only asked once the process has had time to start.
 */
export const usesConf = (pid: number, conf: string): boolean =>
  isAlive(pid) && argvOf(pid).some((arg) => arg === conf || arg === `--configfile=${conf}`)

const allPids = (): Array<number> =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)

export const childrenOf = (pid: number): Array<number> =>
  allPids().filter((p) => {
    const s = stat(p)
    return s !== undefined && s.ppid === pid && s.state !== "Z" && s.state !== "X"
  })

export const pidsUsingConf = (conf: string): Array<number> =>
  allPids().filter((p) => p !== process.pid && usesConf(p, conf))

/**
 * Whether `pid` holds the socket listening on address:port (default 127.0.0.1). A TCP connect alone would also
 * succeed if some other program had taken the port between our choosing it and smbd binding it.
 */
export const ownsLoopbackListener = (pid: number, port: number, address = "127.0.0.1"): boolean => {
  let table: string
  try {
    table = readFileSync("/proc/net/tcp", "utf8")
  } catch {
    return false
  }
  // /proc/net/tcp writes the address as the hex of its little-endian 32-bit value.
  const hex = address.split(".").reverse().map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, "0")).join("")
  const local = `${hex}:${port.toString(16).toUpperCase().padStart(4, "0")}`
  const inodes = new Set<string>()
  for (const row of table.split("\n").slice(1)) {
    const cols = row.trim().split(/\s+/)
    // cols: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (cols[1] === local && cols[3] === "0A" && cols[9] !== undefined) inodes.add(`socket:[${cols[9]}]`)
  }
  if (inodes.size === 0) return false
  let fds: Array<string>
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return false
  }
  return fds.some((fd) => {
    try {
      return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))
    } catch {
      return false
    }
  })
}
