/**
 * The file commands of `smb` run as processes against the real Samba server: put and get round
 * trips (checked by SHA-256 on both sides, and on the server's disk), what get does to the local
 * side when it fails (nothing), ls, rm, mkdir, rmdir, and watch until SIGINT. Each run works in
 * its own directory of the share.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { createHash, randomUUID } from "node:crypto"
import { chown, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import type { Cli, CliResult } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"
import { fullDevice } from "./devices.js"

let cli: Cli
let local: string
beforeAll(async () => {
  ;[cli, local] = await Promise.all([bundleCli(), mkdtemp(join(tmpdir(), "effect-smb-cli-files-"))])
})
afterAll(async () => {
  await rm(local, { recursive: true, force: true })
})

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

/** What a get leaves behind while it writes (src/cli/Save.ts). */
const temporaryFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith(".smb-get-"))

const succeeded = (result: CliResult) => {
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  return result
}

const failedWith = (result: CliResult, line: RegExp) => {
  expect(result.code).toBe(1)
  expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(line)])
}

describeSamba("smb file commands against Samba", (servers) => {
  const server: SambaInstance = servers.default
  const dir = `cli-${randomUUID()}`
  const base = `smb://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.share}`
  const url = (path: string) => `${base}/${dir}${path === "" ? "" : `/${path}`}`
  const onServer = (path: string) => join(server.sharePath, dir, path)

  beforeAll(async () => {
    succeeded(await cli.run(["mkdir", url("")]))
  })
  afterAll(() => rm(join(server.sharePath, dir), { recursive: true, force: true }))

  it("put then get round-trips a multi-chunk file: to a file, into a directory, and to stdout", async () => {
    // Larger than one READ or WRITE of Samba (8 MiB with large MTU), not a multiple of anything.
    const data = seededBytes(9 * 1024 * 1024 + 12_345, "cli put/get")
    const source = join(local, "data.bin")
    await writeFile(source, data)

    const put = succeeded(await cli.run(["put", "--json", source, url("")]))
    expect(JSON.parse(put.stdout)).toEqual({ local: source, remote: `${dir}/data.bin`, bytes: data.length })
    expect(sha256(await readFile(onServer("data.bin")))).toBe(sha256(data))

    const copy = join(local, "copy.bin")
    const intoDirectory = join(local, "into")
    await rm(intoDirectory, { recursive: true, force: true })
    await mkdir(intoDirectory)
    const [toFile, toDirectory, toStdout] = await Promise.all([
      cli.run(["get", url("data.bin"), copy]),
      cli.run(["get", "--json", url("data.bin"), intoDirectory]),
      cli.run(["get", url("data.bin"), "-"])
    ])
    succeeded(toFile)
    expect(toFile.stdout).toBe("")
    expect(sha256(await readFile(copy))).toBe(sha256(data))
    expect(JSON.parse(succeeded(toDirectory).stdout)).toEqual({
      remote: `${dir}/data.bin`,
      local: join(intoDirectory, "data.bin"),
      bytes: data.length
    })
    expect(sha256(await readFile(join(intoDirectory, "data.bin")))).toBe(sha256(data))
    expect(sha256(succeeded(toStdout).stdoutBytes)).toBe(sha256(data))
  })

  it("ls lists a directory (text and JSON lines) and describes a single file", async () => {
    succeeded(await cli.run(["mkdir", url("listed")]))
    await writeFile(join(local, "small.txt"), "hello\n")
    succeeded(await cli.run(["put", join(local, "small.txt"), url("listed/small.txt")]))

    const [text, json, single] = await Promise.all([
      cli.run(["ls", url("")]),
      cli.run(["ls", "--json", url("listed")]),
      cli.run(["ls", url("listed/small.txt")])
    ])
    expect(succeeded(text).stdout).toMatch(/^d +0 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +listed\/$/m)
    expect(JSON.parse(succeeded(json).stdout.trim())).toMatchObject({ name: "small.txt", path: `${dir}/listed/small.txt`, type: "file", size: 6 })
    expect(succeeded(single).stdout).toMatch(/^- +6 +\S+ +small\.txt\n$/)
  })

  it("ls into a reader that stops early (| head -1) ends quietly with status 0, not with an EPIPE", async () => {
    await mkdir(onServer("many"))
    await Promise.all(Array.from({ length: 5000 }, (_, i) => writeFile(onServer(`many/a-longer-file-name-${i}.txt`), "")))
    const piped = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        "bash",
        ["-c", `"$0" "$1" ls "$2" | head -1; echo "status \${PIPESTATUS[0]}" >&2`, process.execPath, cli.main, url("many")],
        (error, stdout, stderr) => (error === null ? resolve({ stdout, stderr }) : reject(error))
      ))
    expect(piped.stdout.split("\n").filter((line) => line !== "")).toHaveLength(1)
    expect(piped.stderr).toBe("status 0\n")
  })

  it("mkdir (with --parents), rmdir and rm change the share, and fail with the server's status", async () => {
    await writeFile(join(local, "doomed.txt"), "x")
    succeeded(await cli.run(["mkdir", "--parents", url("a/b/c")]))
    expect((await stat(onServer("a/b/c"))).isDirectory()).toBe(true)

    const [again, collision, notEmpty, put, isDirectory] = await Promise.all([
      cli.run(["mkdir", "-p", url("a/b/c")]),
      cli.run(["mkdir", url("a")]),
      cli.run(["rmdir", url("a")]),
      cli.run(["put", join(local, "doomed.txt"), url("a/doomed.txt")]),
      cli.run(["rm", url("a/b")])
    ])
    succeeded(again)
    failedWith(collision, /^smb: cannot open '\w+\/cli-[\w-]+\/a': STATUS_OBJECT_NAME_COLLISION/)
    failedWith(notEmpty, /^smb: .*STATUS_DIRECTORY_NOT_EMPTY/)
    succeeded(put)
    failedWith(isDirectory, /^smb: cannot open '\w+\/cli-[\w-]+\/a\/b': STATUS_FILE_IS_A_DIRECTORY/)

    await Promise.all([cli.run(["rmdir", url("a/b/c")]), cli.run(["rm", url("a/doomed.txt")])]).then((results) => results.forEach(succeeded))
    expect(await readdir(onServer("a/b"))).toEqual([])
    await expect(stat(onServer("a/doomed.txt"))).rejects.toThrow(/ENOENT/)
    failedWith(await cli.run(["rm", url("a/doomed.txt")]), /^smb: cannot open '\w+\/cli-[\w-]+\/a\/doomed.txt': STATUS_OBJECT_NAME_NOT_FOUND/)
  })

  it("never clobbers the other side when one side is missing", async () => {
    const precious = join(local, "precious.txt")
    await writeFile(precious, "keep me")
    const before = await stat(precious)
    failedWith(await cli.run(["get", url("no-such-file"), precious]), /^smb: cannot open '\w+\/cli-[\w-]+\/no-such-file': STATUS_OBJECT_NAME_NOT_FOUND/)
    expect(await readFile(precious, "utf8")).toBe("keep me")
    expect((await stat(precious)).ino).toBe(before.ino)
    expect(await temporaryFiles(local)).toEqual([])

    succeeded(await cli.run(["put", precious, url("precious.txt")]))
    const missing = join(local, "no-such-file")
    const put = await cli.run(["put", missing, url("precious.txt")])
    expect(put.code).toBe(1)
    expect(put.stderr).toBe(`smb: cannot read ${missing}: no such file or directory\n`)
    expect(await readFile(onServer("precious.txt"), "utf8")).toBe("keep me")

    const usage = await Promise.all([cli.run(["rm", base]), cli.run(["get", `smb://${server.host}:${server.port}`])])
    expect(usage.map((r) => [r.code, r.stderr])).toEqual([
      [2, "smb: the URL names no file or directory below the share\n"],
      [2, "smb: the URL names no share (smb://host/share/...)\n"]
    ])
  })

  it("get replaces a file only with a complete copy, and never removes what it did not create", async () => {
    await writeFile(join(local, "fresh.txt"), "fresh content")
    succeeded(await cli.run(["put", join(local, "fresh.txt"), url("fresh.txt")]))
    const target = join(local, "replaced.txt")
    const pointed = join(local, "pointed.txt")
    const link = join(local, "link.txt")
    await Promise.all([writeFile(target, "old content"), writeFile(pointed, "pointed content")])
    await symlink(pointed, link)
    const device = fullDevice(local)
    const [before, full] = await Promise.all([stat(target), stat(device)])

    const [replaced, toFull, toNull, toLink] = await Promise.all([
      cli.run(["get", url("fresh.txt"), target]),
      cli.run(["get", url("fresh.txt"), device]),
      cli.run(["get", url("fresh.txt"), "/dev/null"]),
      cli.run(["get", url("fresh.txt"), link])
    ])
    // Run as root, the old get removed /dev/full after ENOSPC.
    expect(toFull.code).toBe(1)
    expect(toFull.stderr).toBe(`smb: cannot write ${device}: no space left on device\n`)
    const fullAfter = await stat(device)
    expect(fullAfter.isCharacterDevice()).toBe(true)
    expect([fullAfter.ino, fullAfter.rdev]).toEqual([full.ino, full.rdev])
    succeeded(toNull)
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true)

    succeeded(replaced)
    expect(await readFile(target, "utf8")).toBe("fresh content")
    expect((await stat(target)).ino).not.toBe(before.ino)

    failedWith(toLink, /^smb: cannot write .*link\.txt: it is a symbolic link \(give the path it points to, or remove the link\)$/)
    expect(await readlink(link)).toBe(pointed)
    expect(await readFile(pointed, "utf8")).toBe("pointed content")
    expect(await temporaryFiles(local)).toEqual([])
    await Promise.all([link, pointed, target, device].filter((path) => path.startsWith(local)).map((path) => rm(path)))
  })

  it("get does not replace a file its user may not write (as cp would not)", async () => {
    // As root, run the get as nobody: root may write any file.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined
    const own = await mkdtemp(join(tmpdir(), "effect-smb-cli-readonly-"))
    try {
      const target = join(own, "read-only.txt")
      await writeFile(target, "keep me", { mode: 0o444 })
      if (user !== undefined) await Promise.all([chown(own, user.uid, user.gid), chown(target, user.uid, user.gid)])
      await writeFile(onServer("replacement.txt"), "replacement")
      const result = await cli.run(["get", url("replacement.txt"), target], {}, user)
      expect([result.code, result.stderr]).toEqual([1, `smb: cannot write ${target}: permission denied\n`])
      expect(await readFile(target, "utf8")).toBe("keep me")
      expect(await readdir(own)).toEqual(["read-only.txt"])
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })

  it("get refuses a URL whose encoded name would lead out of the destination, and writes nothing", async () => {
    // Two levels down, so that the old "../../escaped.txt" would land in `local`, and be seen.
    const destination = join(local, "destination", "inner")
    await mkdir(destination, { recursive: true })
    await writeFile(onServer("escaped.txt"), "outside")
    succeeded(await cli.run(["mkdir", "-p", url("a/b")]))
    const results = await Promise.all([
      cli.run(["get", url("a/b/..%2F..%2Fescaped.txt"), destination]),
      cli.run(["get", url("a/%2E%2E/escaped.txt"), destination])
    ])
    expect((await readdir(local)).filter((name) => name.includes("escaped"))).toEqual([])
    for (const result of results) {
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/^smb: bad URL: (a decoded path component must not contain '\/'|'\.' and '\.\.' are not allowed)/)
      expect(result.stderr).not.toContain(server.password)
    }
    expect(await readdir(destination)).toEqual([])
  })

  it("watch prints changes, one line each, until SIGINT (exit 130)", async () => {
    succeeded(await cli.run(["mkdir", url("watched")]))
    const watch = cli.start(["watch", url("watched")])
    // The watch arms its first CHANGE_NOTIFY some time after start: keep making changes until one shows.
    let n = 0
    const changes = setInterval(() => {
      n += 1
      void writeFile(onServer(`watched/file-${n}.txt`), "x").catch(() => {})
    }, 200)
    try {
      await watch.waitForStdout("\n")
    } finally {
      clearInterval(changes)
    }
    watch.kill("SIGINT")
    const result = await watch.done
    expect(result.code).toBe(130)
    expect(result.stderr).toBe("")
    // at least one whole line, and nothing but such lines
    expect(result.stdout).toMatch(/^((added|modified) file-\d+\.txt\n)+$/)
  })
})
