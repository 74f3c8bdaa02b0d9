/**
 * The -r verbs of `smb` run as processes against the real Samba server: `put -r` of a nested
 * local tree into a folder that does not exist yet, `get -r` back, `rm -r`, with the SHA-256 of
 * every file compared on the server's disk and locally (`rm -r` with read-only entries among
 * them); --json output; the command lines -r refuses; and the progress line, which shows on a
 * terminal (a pseudo-terminal made by util-linux's `script`) and never in a pipe.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { existsSync, readdirSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import { scenario } from "../samba/scenario.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import type { Cli, CliResult } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"
import { snapshot } from "../support/treeSnapshot.js"

let cli: Cli
let local: string
beforeAll(async () => {
  ;[cli, local] = await Promise.all([bundleCli(), mkdtemp(join(tmpdir(), "effect-smb-cli-folders-"))])
})
afterAll(async () => {
  await rm(local, { recursive: true, force: true })
})

const succeeded = (result: CliResult) => {
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  return result
}

/** Why no pseudo-terminal can be made here, or undefined. */
const noPty = (() => {
  const probe = spawnSync("script", ["-qefc", "true", "/dev/null"], { stdio: "ignore" })
  return probe.error !== undefined || probe.status !== 0 ? "util-linux's script cannot make a pseudo-terminal here" : undefined
})()

const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`

/** Runs the tool in a pseudo-terminal: its exit code and everything the terminal showed. */
const inPty = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number | null; readonly screen: string }>((resolve, reject) => {
    const command = [process.execPath, cli.main, ...args].map(shellQuote).join(" ")
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", SHELL: "/bin/sh", TERM: "dumb" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let screen = ""
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, screen }))
  })

describeSamba("smb -r against Samba", (servers) => {
  const server: SambaInstance = servers.default
  const dir = `cli-r-${randomUUID()}`
  const base = `smb://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.share}`
  const url = (path: string) => `${base}/${dir}/${path}`
  const onServer = (path: string) => join(server.sharePath, dir, path)

  afterAll(() => rm(join(server.sharePath, dir), { recursive: true, force: true }))

  /** 2 levels, 15 files (one of 1.5 MiB, one empty), an empty directory. */
  const makeTree = async (root: string) => {
    for (const top of ["x", "y z"]) {
      await mkdir(join(root, top, "inner"), { recursive: true })
      for (let i = 0; i < 4; i++) await writeFile(join(root, top, `f${i}`), seededBytes(10 + i * 5000, `cli -r ${top} ${i}`))
      for (let i = 0; i < 2; i++) await writeFile(join(root, top, "inner", `g${i}`), seededBytes(4096, `cli -r inner ${top} ${i}`))
    }
    await writeFile(join(root, "big.bin"), seededBytes(1536 * 1024 + 1, "cli -r big"))
    await writeFile(join(root, "empty.txt"), "")
    await writeFile(join(root, "top.txt"), "top")
    await mkdir(join(root, "nothing-here"))
  }

  it("put -r, get -r and rm -r: every file's checksum on the server and back, --json summaries", async () => {
    const source = join(local, "source")
    await makeTree(source)
    const expected = snapshot(source)
    const files = Object.keys(expected.files).length

    const put = succeeded(await cli.run(["put", "-r", "--json", source, url("up/here")]))
    expect(JSON.parse(put.stdout)).toMatchObject({ local: source, remote: `${dir}/up/here`, files, directories: expected.directories.length + 1 })
    expect(snapshot(onServer("up/here"))).toEqual(expected)

    const copy = join(local, "copy")
    const get = succeeded(await cli.run(["get", "--recursive", "--json", url("up/here"), copy]))
    expect(JSON.parse(get.stdout)).toMatchObject({ remote: `${dir}/up/here`, local: copy, files, directories: expected.directories.length + 1 })
    expect(snapshot(copy)).toEqual(expected)

    // read-only entries (the server refuses to delete them as they are) are removed too
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { tree } = yield* scenario(server, {})
      for (const path of ["top.txt", "x/inner/g1", "y z"]) yield* Files.setAttributes(tree, `${dir}/up/here/${path}`, { readOnly: true })
      expect(yield* Effect.flip(Files.remove(tree, `${dir}/up/here/top.txt`))).toMatchObject({ reason: "STATUS_CANNOT_DELETE" })
    })))
    const removed = succeeded(await cli.run(["rm", "-r", "--json", url("up")]))
    expect(JSON.parse(removed.stdout)).toEqual({ remote: `${dir}/up`, files, directories: expected.directories.length + 2 })
    expect(existsSync(onServer("up"))).toBe(false)
    expect(existsSync(onServer(""))).toBe(true)
  }, 60_000)

  it("refuses what -r cannot do: a file as put -r's source, stdin, stdout, the share root, a missing folder", async () => {
    const file = join(local, "plain.txt")
    await writeFile(file, "plain")
    const [notDirectory, stdin, stdout, root, missing] = await Promise.all([
      cli.run(["put", "-r", file, url("p")]),
      cli.run(["put", "-r", "-", url("p")]),
      cli.run(["get", "-r", url(""), "-"]),
      cli.run(["rm", "-r", base]),
      cli.run(["get", "-r", url("no-such-folder"), join(local, "never")])
    ])
    expect([notDirectory.code, notDirectory.stderr]).toEqual([1, `smb: cannot read ${file}: not a directory (-r copies a directory's contents)\n`])
    expect([stdin.code, stdin.stderr]).toEqual([2, "smb: -r copies a directory: - (stdin) is not one\n"])
    expect([stdout.code, stdout.stderr]).toEqual([2, "smb: -r copies a directory: it cannot go to - (stdout)\n"])
    expect([root.code, root.stderr]).toEqual([2, "smb: the URL names no file or directory below the share\n"])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^smb: cannot list '\w+\/cli-r-[\w-]+\/no-such-folder': .*STATUS_OBJECT_NAME_NOT_FOUND/)
  }, 60_000)

  it.skipIf(noPty !== undefined)("shows its progress on a terminal, and erases it when done", async () => {
    const source = join(local, "progress")
    await mkdir(source)
    for (let i = 0; i < 5; i++) await writeFile(join(source, `p${i}`), `p${i}`)
    const { code, screen } = await inPty(["put", "-r", source, url("progress")])
    expect(code).toBe(0)
    expect(screen).toMatch(/\r\x1b\[Ksmb: put \d+ files, \d+ directories, [\d.]+ MiB/)
    expect(screen.endsWith("\r\x1b[K")).toBe(true)
    expect(readdirSync(onServer("progress")).sort()).toEqual(["p0", "p1", "p2", "p3", "p4"])
  }, 60_000)
})
