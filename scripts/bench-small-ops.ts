/**
 * The small-operations section of `npm run bench` (issue 15's "Measure"), against smbclient on
 * the same Samba, contenders alternating run by run, every figure a median:
 *
 * - whole process, our `smb` CLI (the published bin, built by `npm run build`) against
 *   smbclient, each a fresh process timed from start to exit:
 *   - a tree of 1,000 files of 4 KiB in 10 folders put (`smb put -r` / `mput` with `recurse ON`)
 *     and got back (`smb get -r` / `mget`);
 *   - a 10,000-entry folder listed (`smb ls` / `ls`);
 *   - that tree removed (`smb rm -r` / `deltree`);
 *   - 1,000 stats: smbclient's `allinfo` 1,000 times in one process (our CLI has no stat verb
 *     here: ours are timed inside a process only);
 *   - the CLI's start (`smb --version`) against a bare `node -e 0`.
 * - inside one running process (scripts/bench-small-ops-client.ts, after one connect): the same put,
 *   get, listing and remove, and 1,000 `Files.stat` with 16 in flight, each against smbclient's
 *   whole process (smbclient cannot be timed inside itself).
 * - with `--big-listing N`: a folder of N entries listed through runFold inside the process, with
 *   what the listing keeps alive (the heap after a full GC every 10,000 entries, over the heap
 *   before) and the peaks of the heap and the RSS: memory bounded by a response, not the folder.
 *   smbclient's `ls` of the same folder is timed beside it.
 *
 * Every copy is checked by its file count; the trees are made on the server's disk directly
 * (untimed) where a run needs one to get or remove.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { SambaInstance } from "../test/support/samba/Samba.js"
import type { SmallJob, SmallResult } from "./bench-small-ops-client.js"
import { smbclientArgs } from "./internal/smbclient.js"

export interface SmallRow {
  readonly name: string
  readonly ours?: number
  readonly theirs?: number
  readonly ratio?: number
  readonly goal?: string
  readonly met?: boolean
  readonly note?: string
}

type Exec = (command: string, argv: ReadonlyArray<string>) => Promise<{ readonly ms: number; readonly out: string }>

const FOLDERS = 10
const PER_FOLDER = 100
const FILE_BYTES = 4096
const WIDE = 10_000

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

const bundle = async (entry: string, outfile: string) => {
  const { build } = await import("esbuild")
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    banner: { js: requireShim }
  })
}

/** Files below `dir`, counted. */
const countFiles = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, entry) => n + (entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1), 0)

const expectFiles = (dir: string, expected: number, what: string) => {
  const found = countFiles(dir)
  if (found !== expected) throw new Error(`${what}: ${found} files in ${dir}, expected ${expected}`)
}

export const smallOperations = async (
  server: SambaInstance,
  options: { readonly runs: number; readonly exec: Exec; readonly bigListing?: number | undefined }
): Promise<{ readonly rows: ReadonlyArray<SmallRow>; readonly raw: Record<string, unknown> }> => {
  const { exec, runs } = options
  const work = join(server.workdir, "small")
  const localTree = join(work, "tree")
  const owner = statSync(server.sharePath)
  const chownTree = (path: string) => execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, path])
  const onServer = (name: string) => join(server.sharePath, name)

  // The tree, locally and (as "small-src") on the server; the wide folder on the server.
  for (let d = 0; d < FOLDERS; d++) {
    mkdirSync(join(localTree, `d${d}`), { recursive: true })
    for (let f = 0; f < PER_FOLDER; f++) writeFileSync(join(localTree, `d${d}`, `f${f}`), randomBytes(FILE_BYTES))
  }
  const FILES = FOLDERS * PER_FOLDER
  const serverTree = (name: string) => {
    cpSync(localTree, onServer(name), { recursive: true })
    chownTree(onServer(name))
  }
  serverTree("small-src")
  mkdirSync(onServer("small-wide"))
  for (let i = 0; i < WIDE; i++) writeFileSync(join(onServer("small-wide"), `file-number-${i}.txt`), "")
  chownTree(onServer("small-wide"))
  if (options.bigListing !== undefined) {
    mkdirSync(onServer("small-huge"))
    for (let i = 0; i < options.bigListing; i++) writeFileSync(join(onServer("small-huge"), `a-longer-file-name-number-${i}.txt`), "")
    chownTree(onServer("small-huge"))
  }
  const stats = Array.from({ length: FILES }, (_, i) => `small-src/d${i % FOLDERS}/f${Math.floor(i / FOLDERS)}`)

  // The published bin: `npm run build` makes it (the loader, the bundle and its code cache).
  const built = spawnSync(process.execPath, [fileURLToPath(new URL("./build.mjs", import.meta.url))], { stdio: "inherit" })
  if (built.status !== 0) throw new Error("npm run build failed")
  const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url))
  const client = join(work, "bench-small-ops-client.mjs")
  await bundle("./bench-small-ops-client.ts", client)

  const url = (path: string) =>
    `smb://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.share}/${path}`
  const smb = (...args: ReadonlyArray<string>) => exec(process.execPath, [cli, ...args]).then(({ ms }) => ms)
  const smbclient = (command: string) =>
    exec("smbclient", smbclientArgs(server, ["--client-protection=off"], command)).then(({ ms }) => ms)

  const ours: Record<string, Array<number>> = {}
  const theirs: Record<string, Array<number>> = {}
  const inProcess: Array<SmallResult> = []
  const push = (record: Record<string, Array<number>>, key: string, ms: number) => void (record[key] ??= []).push(ms)

  for (let run = 0; run < runs; run++) {
    const local = (name: string) => join(work, `${name}-${run}`)
    serverTree(`ours-del-${run}`)
    serverTree(`theirs-del-${run}`)
    serverTree(`inproc-del-${run}`)
    mkdirSync(local("theirs-get"))
    const statCommand = stats.map((path) => `allinfo ${path}`).join("; ")
    const pairs: ReadonlyArray<readonly [() => Promise<void>, () => Promise<void>]> = [
      [
        async () => push(ours, "put", await smb("put", "-r", localTree, url(`ours-put-${run}`))),
        async () =>
          push(theirs, "put", await smbclient(`mkdir theirs-put-${run}; cd theirs-put-${run}; lcd ${localTree}; prompt OFF; recurse ON; mput *`))
      ],
      [
        async () => push(ours, "get", await smb("get", "-r", url("small-src"), local("ours-get"))),
        async () => push(theirs, "get", await smbclient(`prompt OFF; recurse ON; cd small-src; lcd ${local("theirs-get")}; mget *`))
      ],
      [
        async () => push(ours, "list", await smb("ls", url("small-wide"))),
        async () => push(theirs, "list", await smbclient("ls small-wide/*"))
      ],
      [
        async () => push(ours, "remove", await smb("rm", "-r", url(`ours-del-${run}`))),
        async () => push(theirs, "remove", await smbclient(`deltree theirs-del-${run}`))
      ],
      [
        async () => {
          const result = await exec(process.execPath, [
            "--expose-gc",
            client,
            JSON.stringify(
              {
                server: { host: server.host, port: server.port, user: server.user, password: server.password, share: server.share },
                putFrom: localTree,
                putTo: `inproc-put-${run}`,
                getFrom: "small-src",
                getTo: local("inproc-get"),
                wide: "small-wide",
                stats,
                remove: `inproc-del-${run}`,
                ...(options.bigListing === undefined ? {} : { bigList: "small-huge" })
              } satisfies SmallJob
            )
          ])
          inProcess.push(JSON.parse(result.out.trim().split("\n").at(-1)!) as SmallResult)
        },
        async () => {
          push(theirs, "stat", await smbclient(statCommand))
          if (options.bigListing !== undefined) push(theirs, "bigList", await smbclient("ls small-huge/*"))
        }
      ],
      [
        async () => {
          for (let i = 0; i < 5; i++) push(ours, "start", await smb("--version"))
        },
        async () => {
          for (let i = 0; i < 5; i++) push(theirs, "start", (await exec(process.execPath, ["-e", "0"])).ms)
        }
      ]
    ]
    for (const [a, b] of pairs) {
      if (run % 2 === 0) {
        await a()
        await b()
      } else {
        await b()
        await a()
      }
    }
    // Every copy complete, every removal done.
    for (const name of [`ours-put-${run}`, `theirs-put-${run}`, `inproc-put-${run}`]) expectFiles(onServer(name), FILES, name)
    for (const name of ["ours-get", "theirs-get", "inproc-get"]) expectFiles(local(name), FILES, name)
    for (const name of [`ours-del-${run}`, `theirs-del-${run}`, `inproc-del-${run}`]) {
      if (readdirSync(server.sharePath).includes(name)) throw new Error(`${name} was not removed`)
    }
    for (const name of [`ours-put-${run}`, `theirs-put-${run}`, `inproc-put-${run}`]) rmSync(onServer(name), { recursive: true, force: true })
    for (const name of ["ours-get", "theirs-get", "inproc-get"]) rmSync(local(name), { recursive: true, force: true })
    const last = inProcess.at(-1)!
    process.stderr.write(
      `small ops run ${run + 1}: put ${ours.put!.at(-1)!.toFixed(0)} / ${theirs.put!.at(-1)!.toFixed(0)} ms, get ${ours.get!.at(-1)!.toFixed(0)} / ${
        theirs.get!.at(-1)!.toFixed(0)
      }, ls ${ours.list!.at(-1)!.toFixed(0)} / ${theirs.list!.at(-1)!.toFixed(0)}, rm -r ${ours.remove!.at(-1)!.toFixed(0)} / ${
        theirs.remove!.at(-1)!.toFixed(0)
      }; in process put ${last.putMs.toFixed(0)}, get ${last.getMs.toFixed(0)}, list ${last.listMs.toFixed(0)}, stat ${last.statMs.toFixed(0)}, remove ${
        last.removeMs.toFixed(0)
      } (ours / smbclient)\n`
    )
  }

  const rows: Array<SmallRow> = []
  const speedup = (name: string, key: string, goal: number, note: string) => {
    const o = median(ours[key]!)
    const t = median(theirs[key]!)
    rows.push({ name, ours: o, theirs: t, ratio: t / o, goal: `>= ${goal.toFixed(1)}x`, met: t / o >= goal, note })
  }
  const inProc = (name: string, pick: (r: SmallResult) => number, key: string, goal: number | undefined, note: string) => {
    const o = median(inProcess.map(pick))
    const t = median(theirs[key]!)
    rows.push({
      name,
      ours: o,
      theirs: t,
      ratio: t / o,
      ...(goal === undefined ? {} : { goal: `>= ${goal.toFixed(1)}x`, met: t / o >= goal }),
      note
    })
  }
  const tree = `${FILES} files of 4 KiB in ${FOLDERS} folders`
  speedup(`tree put, ${tree}, whole process (ms) vs smbclient mput`, "put", 2, "smb put -r; smbclient: recurse ON, mput *")
  speedup(`tree get, ${tree}, whole process (ms) vs smbclient mget`, "get", 2, "smb get -r; smbclient: recurse ON, mget *")
  speedup(`${WIDE}-entry listing, whole process (ms) vs smbclient ls`, "list", 1, "smb ls (text output)")
  speedup(`recursive delete, ${tree}, whole process (ms) vs smbclient deltree`, "remove", 2, "smb rm -r")
  inProc(`tree put, in a running process (ms) vs smbclient whole process`, (r) => r.putMs, "put", undefined, "Folders.upload")
  inProc(`tree get, in a running process (ms) vs smbclient whole process`, (r) => r.getMs, "get", undefined, "Folders.download")
  inProc(`${WIDE}-entry listing, in a running process (ms) vs smbclient whole process`, (r) => r.listMs, "list", 2, "Files.list drained")
  inProc(`recursive delete, in a running process (ms) vs smbclient whole process`, (r) => r.removeMs, "remove", undefined, "Folders.remove")
  inProc(
    `${FILES} stats, in a running process (ms) vs smbclient allinfo x${FILES}, whole process`,
    (r) => r.statMs,
    "stat",
    undefined,
    "Files.stat, 16 in flight"
  )
  const start = median(ours.start!)
  const node = median(theirs.start!)
  rows.push({
    name: "CLI start: smb --version vs node -e 0 (ms)",
    ours: start,
    theirs: node,
    ratio: start / node,
    goal: "<= 2.5x",
    met: start / node <= 2.5,
    note: "the published bin (dist/cli/main.js); ratio is ours / node's here"
  })
  rows.push({
    name: "connect, session and tree in our process (ms)",
    ours: median(inProcess.map((r) => r.connectMs)),
    note: "before the in-process figures above"
  })
  const big = inProcess.flatMap((r) => (r.bigList === undefined ? [] : [r.bigList]))
  if (big.length > 0) {
    const most = (pick: (b: (typeof big)[number]) => number) => (Math.max(...big.map(pick)) / 1e6).toFixed(1)
    const ours = median(big.map((b) => b.ms))
    const smbclient = median(theirs.bigList!)
    rows.push({
      name: `${big[0]!.entries}-entry listing through runFold, in a running process (ms) vs smbclient ls, whole process`,
      ours,
      theirs: smbclient,
      ratio: smbclient / ours,
      note: `live heap (after a full GC every 10,000 entries) at most +${most((b) => b.liveGrowth)} MB; peaks: heap +${
        most((b) => b.heapPeak - b.heapBefore)
      } MB (garbage included), RSS +${most((b) => b.rssPeak - b.rssBefore)} MB (1 MiB responses)`
    })
  }
  return { rows, raw: { ours, smbclient: theirs, inProcess } }
}
