/**
 * The issue's benchmark, in one command: `npm run bench` (vite-node scripts/bench.ts).
 *
 * It starts its own Samba smbd on loopback and measures, against that one server:
 * - reading and writing a 256 MiB file over SMB 3.1.1 unsigned, signed (AES-128-GMAC) and
 *   encrypted (AES-128-GCM): this library against smbclient, each run timed from connect to the
 *   last byte (smbclient is a fresh process per transfer, so ours includes connect, login and tree
 *   connect too; the transfer alone is reported beside it). Reads are `Files.download` to
 *   /dev/null, as smbclient's `get FILE /dev/null`; `Files.readStream` is reported beside it.
 *   Writes are `Files.upload` from a local file, as smbclient's `put FILE`. The encrypted
 *   transfers run once more with the thread worker (`worker: "thread"`), the configuration meant
 *   for them, against the same smbclient figures.
 *   Our contender runs as its own plain node process (scripts/bench-client.ts, bundled here),
 *   doing each transfer twice: the row's figure is the second (a warmed-up process, as in an
 *   application that has been running), the first, cold one is in the note;
 * - ECHO round trips per second with 1 and 16 in flight on one connection, against smbtorture's
 *   smb2.bench.echo;
 * - node-smb2 (the Node peer) reading and writing the same file (it speaks SMB 2.0.2 only);
 * - the ceilings: raw loopback TCP between two Node sockets, and AES-128-GCM on one core (Node's
 *   and, beside it, the system OpenSSL's);
 * - our peak RSS during the 256 MiB downloads and uploads (sampled every 10 ms in our own
 *   process); the readStream pass beside the reads is reported apart;
 * - small operations (scripts/bench-small-ops.ts): a tree of 1,000 files of 4 KiB put, got and
 *   removed, a 10,000-entry listing, 1,000 stats and the CLI's start, against smbclient, whole
 *   process and inside one running process (`--big-listing N` adds an N-entry listing's time and
 *   heap growth).
 *
 * Contenders alternate run by run and every figure is a median, since the machine is shared.
 *
 *   npm run bench -- [--runs 3] [--size-mib 256] [--echo-seconds 3] [--only files,echo,node-smb2,ceilings,small] [--big-listing N]
 *
 * Prints a table and writes the same figures to bench-results.json.
 */
import { execFileSync, spawn } from "node:child_process"
import { createCipheriv, randomBytes } from "node:crypto"
import { chownSync, closeSync, createReadStream, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs"
import * as Net from "node:net"
import { machine } from "./internal/machine.js"
import { smbclientArgs } from "./internal/smbclient.js"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { inspect, parseArgs } from "node:util"
import type { ConnectionOptions } from "../src/connection/ConnectionOptions.js"
import type { SambaInstance } from "../test/support/samba/Samba.js"
import type { Job, Transfer } from "./bench-client.js"
import { ensureSambaInstalled, startSamba, stopSamba } from "../test/support/samba/Samba.js"
import { smallOperations } from "./bench-small-ops.js"

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "size-mib": { type: "string", default: "256" },
    "echo-seconds": { type: "string", default: "3" },
    only: { type: "string", default: "files,echo,node-smb2,ceilings,small" },
    "big-listing": { type: "string" },
    out: { type: "string", default: "bench-results.json" }
  }
})
const RUNS = Number(args.runs)
const MiB = 1024 * 1024
const SIZE = Number(args["size-mib"]) * MiB
const ECHO_SECONDS = Number(args["echo-seconds"])
const ONLY = new Set(args.only.split(","))

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000)

// ---------------------------------------------------------------------------------------------
// Contenders

type Mode = "unsigned" | "signed" | "encrypted"
const MODES: ReadonlyArray<Mode> = ["unsigned", "signed", "encrypted"]

const ourOptions: Record<Mode, Partial<ConnectionOptions>> = {
  unsigned: { maxDialect: "3.1.1", minDialect: "3.1.1", encryption: "off" },
  signed: { maxDialect: "3.1.1", minDialect: "3.1.1", signing: "required", signingAlgorithms: ["AES-128-GMAC"], encryption: "off" },
  encrypted: { maxDialect: "3.1.1", minDialect: "3.1.1", encryption: "required", ciphers: ["AES-128-GCM"] }
}
const smbclientProtection: Record<Mode, ReadonlyArray<string>> = {
  unsigned: ["--client-protection=off"],
  signed: ["--client-protection=sign", "--option=client smb3 signing algorithms=AES-128-GMAC"],
  encrypted: ["--client-protection=encrypt", "--option=client smb3 encryption algorithms=AES-128-GCM"]
}

interface Timing {
  /** From connect to the last byte (and the close). */
  readonly totalMs: number
  /** The transfer alone, when the contender lets us tell. */
  readonly transferMs?: number
  readonly rssPeak?: number
  /** RSS just before connecting. */
  readonly rssBefore?: number
}

/** Our contender's results for one process: see scripts/bench-client.ts. */
interface OurRun {
  readonly cold: Timing
  readonly warm: Timing
  /** read only: Files.readStream drained, warm. */
  readonly stream?: Timing
}

// Our contender runs as a plain `node` process on a bundle of scripts/bench-client.ts, made once,
// with the thread worker's entry bundled beside it (a worker thread loads plain JavaScript).
let clientBundle: string | undefined
const bundleClient = async (dir: string): Promise<string> => {
  if (clientBundle !== undefined) return clientBundle
  const { build } = await import("esbuild")
  const outfile = join(dir, "bench-client.mjs")
  for (const [entry, out] of [["./bench-client.ts", outfile], ["../src/connection/threadEntry.ts", threadEntryFile(dir)]] as const) {
    await build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: out,
      logLevel: "warning"
    })
  }
  clientBundle = outfile
  return outfile
}
const threadEntryFile = (dir: string) => join(dir, "threadEntry.mjs")

/** The encrypted transfers again with the thread worker: the configuration meant for them. */
const threadOptions = (server: SambaInstance): Partial<ConnectionOptions> => ({
  ...ourOptions.encrypted,
  worker: "thread",
  threadEntry: threadEntryFile(server.workdir)
})

const runClient = async (server: SambaInstance, job: Omit<Job, "server">): Promise<unknown> => {
  const bundle = await bundleClient(server.workdir)
  const { host, password, port, share, user } = server
  const { out } = await exec(process.execPath, [bundle, JSON.stringify({ ...job, server: { host, port, user, password, share } })])
  return JSON.parse(out.trim().split("\n").at(-1)!)
}

const ourTransfers = async (server: SambaInstance, job: Omit<Job, "server">): Promise<OurRun> => {
  const [cold, warm, stream] = (await runClient(server, job)) as ReadonlyArray<Transfer>
  return { cold: cold!, warm: warm!, ...(stream === undefined ? {} : { stream }) }
}

const ourRead = (server: SambaInstance, mode: Mode, name: string, options = ourOptions[mode]) =>
  ourTransfers(server, { op: "read", options, file: name })

const ourWrite = (server: SambaInstance, mode: Mode, name: string, local: string, options = ourOptions[mode]) =>
  ourTransfers(server, { op: "write", options, file: name, local })

const exec = (command: string, argv: ReadonlyArray<string>): Promise<{ readonly ms: number; readonly out: string }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0
        ? resolve({ ms: performance.now() - started, out })
        : reject(new Error(`${command} exited with ${code}: ${out.slice(-2000)}`)))
  })

const smbclient = (server: SambaInstance, mode: Mode, command: string): Promise<Timing> =>
  exec("smbclient", smbclientArgs(server, smbclientProtection[mode], command)).then(({ ms }) => ({ totalMs: ms }))

// node-smb2: CommonJS, loaded lazily so that a missing package only disables its rows.
interface NodeSmb2Tree {
  createFileReadStream(path: string): Promise<NodeJS.ReadableStream>
  createFileWriteStream(path: string): Promise<NodeJS.WritableStream & { once(e: string, f: () => void): unknown }>
}
const nodeSmb2 = async <A>(server: SambaInstance, use: (tree: NodeSmb2Tree) => Promise<A>): Promise<Timing> => {
  const module = (await import("node-smb2")) as unknown as { default: { Client: new(host: string, o: object) => any } }
  const Client = module.default.Client ?? (module as any).Client
  const started = performance.now()
  const client = new Client(server.host, { port: server.port, requestTimeout: 60_000 })
  try {
    const session = await client.authenticate({ domain: "", username: server.user, password: server.password, forceNtlmVersion: "v2" })
    const tree = await session.connectTree(server.share)
    const transferStarted = performance.now()
    await use(tree)
    const transferMs = performance.now() - transferStarted
    return { totalMs: performance.now() - started, transferMs }
  } finally {
    await client.close().catch(() => undefined)
  }
}
/** node-smb2's read stream has been seen to stop short of the end: the bytes it delivered. */
let nodeSmb2ReadBytes = 0
const nodeSmb2Read = (server: SambaInstance, name: string) =>
  nodeSmb2(server, async (tree) => {
    const stream = await tree.createFileReadStream(name)
    let n = 0
    for await (const chunk of stream as AsyncIterable<Buffer>) n += chunk.length
    nodeSmb2ReadBytes = n
  })
const nodeSmb2Write = (server: SambaInstance, name: string, local: string) =>
  nodeSmb2(server, async (tree) => {
    const out = await tree.createFileWriteStream(name)
    const closed = new Promise<void>((resolve, reject) => {
      out.once("close", resolve)
      out.once("error", reject)
    })
    createReadStream(local, { highWaterMark: 4 * MiB }).pipe(out)
    await closed
  })

// ---------------------------------------------------------------------------------------------
// ECHO

const ourEcho = async (server: SambaInstance, depth: number): Promise<number> => {
  const result = (await runClient(server, {
    op: "echo",
    options: { maxDialect: "3.1.1", encryption: "off" },
    depth,
    seconds: ECHO_SECONDS
  })) as { readonly perSecond: number }
  return result.perSecond
}

const torturEcho = async (server: SambaInstance, depth: number): Promise<number> => {
  const { out } = await exec("smbtorture", [
    `//127.0.0.1/${server.share}`,
    "-p",
    String(server.port),
    "-U",
    `${server.user}%${server.password}`,
    "--option=torture:progress=no",
    `--option=torture:timelimit=${ECHO_SECONDS}`,
    "--option=torture:nprocs=1",
    `--option=torture:qdepth=${depth}`,
    "smb2.bench.echo"
  ])
  const match = /num\/s=(\d+(?:\.\d+)?)/.exec(out)
  if (match === null) throw new Error(`no num/s= in smbtorture output: ${out.slice(-1000)}`)
  return Number(match[1])
}

// ---------------------------------------------------------------------------------------------
// Ceilings

const rawTcp = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const chunk = randomBytes(MiB)
    const server = Net.createServer((socket) => {
      let received = 0
      socket.on("data", (d: Buffer) => {
        received += d.length
        if (received >= SIZE) {
          const ms = performance.now() - started
          socket.destroy()
          server.close()
          resolve(mibps(SIZE, ms))
        }
      })
    })
    let started = 0
    server.listen(0, "127.0.0.1", () => {
      const client = Net.connect((server.address() as Net.AddressInfo).port, "127.0.0.1", () => {
        started = performance.now()
        let sent = 0
        const pump = () => {
          while (sent < SIZE) {
            sent += chunk.length
            if (!client.write(chunk)) return client.once("drain", pump)
          }
          client.end()
        }
        pump()
      })
      client.on("error", reject)
    })
  })

const aesGcm = (): number => {
  const key = randomBytes(16)
  const chunk = randomBytes(MiB)
  const started = performance.now()
  for (let done = 0; done < SIZE; done += chunk.length) {
    const cipher = createCipheriv("aes-128-gcm", key, randomBytes(12))
    cipher.update(chunk)
    cipher.final()
    cipher.getAuthTag()
  }
  return mibps(SIZE, performance.now() - started)
}

/**
 * The system's OpenSSL on the same cipher (`openssl speed`, 256 KiB blocks), for comparison: Node
 * carries its own OpenSSL build, which need not use the CPU's fastest AES-GCM code (smbclient and
 * smbd use the system's crypto libraries). Undefined when there is no `openssl` command.
 */
const systemAesGcm = (): number | undefined => {
  try {
    const out = execFileSync("openssl", ["speed", "-seconds", "1", "-bytes", "262144", "-evp", "aes-128-gcm"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"]
    })
    const match = /AES-128-GCM\s+([\d.]+)k/i.exec(out)
    return match === null ? undefined : (Number(match[1]) * 1000) / MiB
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------

/** SIZE random bytes, written a MiB at a time so that the bench's own RSS stays small. */
const writeRandomFile = (path: string) => {
  const fd = openSync(path, "w")
  try {
    for (let done = 0; done < SIZE; done += MiB) writeSync(fd, randomBytes(MiB))
  } finally {
    closeSync(fd)
  }
}

interface Row {
  readonly name: string
  readonly ours?: number
  readonly theirs?: number
  readonly ratio?: number
  readonly goal?: string
  readonly met?: boolean
  readonly note?: string
  readonly extra?: Record<string, unknown>
}

const main = async () => {
  const host = machine()
  await ensureSambaInstalled({ testsuite: true })
  const server = await startSamba({ variant: "default" })
  const rows: Array<Row> = []
  const raw: Record<string, unknown> = {}
  const local = join(server.workdir, "local-source.bin")
  try {
    writeRandomFile(local)
    const FILE = "bench-256.bin"
    const onServer = join(server.sharePath, FILE)
    writeRandomFile(onServer)
    const owner = statSync(server.sharePath)
    chownSync(onServer, owner.uid, owner.gid)

    if (ONLY.has("files")) {
      const ours: Record<string, Array<OurRun>> = {}
      const theirs: Record<string, Array<Timing>> = {}
      const rate = (t: Timing) => mibps(SIZE, t.totalMs).toFixed(0)
      for (let run = 0; run < RUNS; run++) {
        for (const mode of MODES) {
          // Alternate who goes first from run to run.
          const pairs: Array<[string, () => Promise<void>]> = [
            [`write-${mode}`, async () => void (ours[`write-${mode}`] ??= []).push(await ourWrite(server, mode, `ours-${mode}.bin`, local))],
            [`write-${mode}`, async () => void (theirs[`write-${mode}`] ??= []).push(await smbclient(server, mode, `put ${local} smbclient-${mode}.bin`))],
            [`read-${mode}`, async () => void (ours[`read-${mode}`] ??= []).push(await ourRead(server, mode, FILE))],
            [`read-${mode}`, async () => void (theirs[`read-${mode}`] ??= []).push(await smbclient(server, mode, `get ${FILE} /dev/null`))]
          ]
          const ordered = run % 2 === 0 ? pairs : [pairs[1]!, pairs[0]!, pairs[3]!, pairs[2]!]
          for (const [, f] of ordered) await f()
          if (mode === "encrypted") {
            ;(ours["write-encrypted-thread"] ??= []).push(await ourWrite(server, mode, "ours-thread.bin", local, threadOptions(server)))
            ;(ours["read-encrypted-thread"] ??= []).push(await ourRead(server, mode, FILE, threadOptions(server)))
            rmSync(join(server.sharePath, "ours-thread.bin"), { force: true })
          }
          for (const op of ["write", "read"]) {
            const o = ours[`${op}-${mode}`]!.at(-1)!
            process.stderr.write(
              `${op} ${mode} run ${run + 1}: ours ${rate(o.warm)} MiB/s warm, ${rate(o.cold)} cold; smbclient ${rate(theirs[`${op}-${mode}`]!.at(-1)!)} MiB/s\n`
            )
          }
        }
      }
      raw.files = { ours, smbclient: theirs }
      const allOurs = Object.values(ours).flat()
      // The rows' transfers (download/upload, cold and warm); the readStream beside them apart.
      const peakOf = (r: OurRun) => Math.max(r.cold.rssPeak!, r.warm.rssPeak!)
      const streamPeakOf = (r: OurRun) => r.stream?.rssPeak ?? 0
      for (const mode of [...MODES, "encrypted-thread"] as const) {
        for (const op of ["read", "write"] as const) {
          const o = ours[`${op}-${mode}`]!
          const warm = median(o.map((r) => mibps(SIZE, r.warm.totalMs)))
          const cold = median(o.map((r) => mibps(SIZE, r.cold.totalMs)))
          const transfer = median(o.map((r) => mibps(SIZE, r.warm.transferMs!)))
          const stream = op === "read" ? median(o.map((r) => mibps(SIZE, r.stream!.totalMs))) : undefined
          const smb = median(theirs[`${op}-${mode === "encrypted-thread" ? "encrypted" : mode}`]!.map((t) => mibps(SIZE, t.totalMs)))
          rows.push({
            name: `${op} 256 MiB, 3.1.1 ${mode === "encrypted-thread" ? "encrypted, thread worker" : mode} (MiB/s) vs smbclient`,
            ours: warm,
            theirs: smb,
            ratio: warm / smb,
            goal: ">= 1.0x",
            met: warm / smb >= 1,
            note: `${op === "read" ? "Files.download" : "Files.upload"}; first transfer in a fresh process ${cold.toFixed(0)} (${(cold / smb).toFixed(2)}x); transfer alone ${
              transfer.toFixed(0)
            }${
              stream === undefined
                ? ""
                : `; Files.readStream ${stream.toFixed(0)} (${(stream / smb).toFixed(2)}x, peak RSS ${(Math.max(...o.map(streamPeakOf)) / 1e6).toFixed(0)} MB)`
            }; peak RSS ${(Math.max(...o.map(peakOf)) / 1e6).toFixed(0)} MB`,
            extra: { oursColdMibps: cold, oursTransferMibps: transfer, ...(stream === undefined ? {} : { oursStreamMibps: stream }) }
          })
        }
      }
      const peak = Math.max(...allOurs.map(peakOf))
      const baseline = median(allOurs.map((r) => r.cold.rssBefore!))
      rows.push({
        name: "peak RSS during our 256 MiB transfers (MB)",
        ours: peak / 1e6,
        goal: "< 150 MB",
        met: peak / 1e6 < 150,
        note: `our own node process, during the download/upload rows; RSS before connecting ${(baseline / 1e6).toFixed(0)} MB; during Files.readStream (every chunk fresh, the consumer's to keep) ${
          (Math.max(...allOurs.map(streamPeakOf)) / 1e6).toFixed(0)
        } MB`
      })
    }

    if (ONLY.has("echo")) {
      for (const depth of [1, 16]) {
        const o: Array<number> = []
        const t: Array<number> = []
        for (let run = 0; run < RUNS; run++) {
          if (run % 2 === 0) {
            o.push(await ourEcho(server, depth))
            t.push(await torturEcho(server, depth))
          } else {
            t.push(await torturEcho(server, depth))
            o.push(await ourEcho(server, depth))
          }
          process.stderr.write(`echo depth ${depth} run ${run + 1}: ours ${o.at(-1)!.toFixed(0)}/s, smbtorture ${t.at(-1)!.toFixed(0)}/s\n`)
        }
        raw[`echo-${depth}`] = { ours: o, smbtorture: t }
        const goal = depth === 1 ? 0.8 : 1.0
        const ratio = median(o) / median(t)
        rows.push({ name: `ECHO/s, ${depth} in flight vs smbtorture`, ours: median(o), theirs: median(t), ratio, goal: `>= ${goal}x`, met: ratio >= goal })
      }
    }

    if (ONLY.has("node-smb2")) {
      const note = "node-smb2 speaks SMB 2.0.2 only (no signing/encryption); @marsaud/smb2 and v9u-smb2 cannot log in to a default Samba on Node 20 (NTLMv1 only; MD4/DES missing from OpenSSL 3)"
      const describe = (error: unknown) =>
        error instanceof Error ? error.message : inspect(error, { depth: 3, breakLength: Infinity }).slice(0, 400)
      for (const op of ["read", "write"] as const) {
        const o: Array<OurRun> = []
        const t: Array<Timing> = []
        try {
          for (let run = 0; run < RUNS; run++) {
            // node-smb2 creates with disposition "create": an existing file is a NAME_COLLISION
            if (op === "write") rmSync(join(server.sharePath, "node-smb2.bin"), { force: true })
            t.push(op === "read" ? await nodeSmb2Read(server, FILE) : await nodeSmb2Write(server, "node-smb2.bin", local))
            o.push(op === "read" ? await ourRead(server, "unsigned", FILE) : await ourWrite(server, "unsigned", "ours-unsigned.bin", local))
            process.stderr.write(`node-smb2 ${op} run ${run + 1}: ${mibps(SIZE, t.at(-1)!.totalMs).toFixed(0)} MiB/s\n`)
          }
          raw[`nodeSmb2-${op}`] = { ours: o, nodeSmb2: t }
          const written = op === "write" ? statSync(join(server.sharePath, "node-smb2.bin")).size : SIZE
          const oursRate = median(o.map((s) => mibps(SIZE, s.warm.totalMs)))
          const oursCold = median(o.map((s) => mibps(SIZE, s.cold.totalMs)))
          const theirs = median(t.map((s) => mibps(SIZE, s.totalMs)))
          rows.push({
            name: `${op} 256 MiB vs node-smb2 (MiB/s; ours 3.1.1 unsigned, theirs 2.0.2)`,
            ours: oursRate,
            theirs,
            ratio: oursRate / theirs,
            goal: ">= 4x",
            met: oursRate / theirs >= 4,
            note: [
              `ours in a fresh process ${oursCold.toFixed(0)} (${(oursCold / theirs).toFixed(2)}x)`,
              written !== SIZE ? `node-smb2 wrote ${written} bytes, not ${SIZE}` : "",
              op === "read" && nodeSmb2ReadBytes !== SIZE ? `node-smb2 read ${nodeSmb2ReadBytes} bytes, not ${SIZE} (its rate counts ${SIZE})` : "",
              note
            ].filter((s) => s !== "").join("; ")
          })
        } catch (error) {
          rows.push({ name: `${op} 256 MiB vs node-smb2`, note: `unavailable: node-smb2 failed: ${describe(error)}; ${note}` })
        }
      }
    }

    if (ONLY.has("small")) {
      const bigListing = args["big-listing"] === undefined ? undefined : Number(args["big-listing"])
      const small = await smallOperations(server, { runs: RUNS, exec, bigListing })
      rows.push(...small.rows)
      raw.small = small.raw
    }

    if (ONLY.has("ceilings")) {
      const tcp: Array<number> = []
      const gcm: Array<number> = []
      for (let run = 0; run < RUNS; run++) {
        tcp.push(await rawTcp())
        gcm.push(aesGcm())
      }
      const system = systemAesGcm()
      raw.ceilings = { tcp, gcm, systemOpenSsl: system }
      rows.push({ name: "ceiling: raw loopback TCP, Node to Node, 256 MiB (MiB/s)", ours: median(tcp) })
      rows.push({ name: "ceiling: node:crypto AES-128-GCM, one core (MiB/s)", ours: median(gcm) })
      rows.push(
        system === undefined
          ? { name: "system OpenSSL AES-128-GCM, one core (MiB/s)", note: "unavailable: no openssl command" }
          : { name: "system OpenSSL AES-128-GCM, one core (MiB/s)", ours: system, note: "openssl speed, 256 KiB blocks: what the system's crypto does on this CPU" }
      )
    }
  } finally {
    rmSync(local, { force: true })
    await stopSamba(server)
  }

  const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(digits))
  const table = [
    ["figure", "ours", "theirs", "ratio", "goal", "met", "note"],
    ...rows.map((r) => [r.name, fmt(r.ours), fmt(r.theirs), fmt(r.ratio, 2), r.goal ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO", r.note ?? ""])
  ]
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
  console.log(table.map((row) => row.map((cell, c) => (c === 6 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n"))
  const ran = host.end()
  console.log(`runs ${RUNS}; ${ran.line}`)
  writeFileSync(
    args.out,
    JSON.stringify(
      {
        ...ran.record,
        settings: { runs: RUNS, sizeBytes: SIZE, echoSeconds: ECHO_SECONDS },
        rows,
        raw
      },
      null,
      2
    ) + "\n"
  )
  console.error(`wrote ${args.out}`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
