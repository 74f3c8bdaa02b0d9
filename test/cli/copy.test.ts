/**
 * `smb cp`, `smb mv` and `smb stat` run as processes against a real Samba with two shares (the
 * share-encrypt variant: `share` and `encshare`, which requires encryption): a copy inside a share
 * is done by the server, one across shares is streamed; a move inside a share is a rename, one
 * across is a copy and a removal. Checked by SHA-256 on the server's disk.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describeSamba } from "../support/samba/index.js"
import type { Cli, CliResult } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"

let cli: Cli
let local: string
beforeAll(async () => {
  ;[cli, local] = await Promise.all([bundleCli(), mkdtemp(join(tmpdir(), "effect-smb-cli-copy-"))])
})
afterAll(async () => {
  await rm(local, { recursive: true, force: true })
})

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

const succeeded = (result: CliResult) => {
  expect({ stderr: result.stderr, code: result.code }).toEqual({ stderr: "", code: 0 })
  return result
}

describeSamba("smb cp, mv and stat against Samba", (servers) => {
  const server = servers["share-encrypt"]
  const dir = `cli-copy-${randomUUID()}`
  const account = `smb://${server.user}@${server.host}:${server.port}`
  const env = { SMB_PASSWORD: server.password }
  const url = (path: string) => `${account}/${server.share}/${dir}${path === "" ? "" : `/${path}`}`
  const encUrl = (path: string) => `${account}/${server.encShare}/${dir}${path === "" ? "" : `/${path}`}`
  const onServer = (path: string) => join(server.sharePath, dir, path)
  const onEncServer = (path: string) => join(server.encSharePath!, dir, path)
  const smb = (args: ReadonlyArray<string>) => cli.run(args, env)

  beforeAll(async () => {
    succeeded(await smb(["mkdir", url("")]))
    succeeded(await smb(["mkdir", encUrl("")]))
  })
  afterAll(() => Promise.all([rm(onServer(""), { recursive: true, force: true }), rm(onEncServer(""), { recursive: true, force: true })]))

  it("cp copies on the server inside a share, streams across shares, and into a directory keeps the name", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 7)
    await writeFile(join(local, "a.bin"), data)
    succeeded(await smb(["put", join(local, "a.bin"), url("a.bin")]))

    const inside = succeeded(await smb(["cp", "--json", url("a.bin"), url("b.bin")]))
    expect(JSON.parse(inside.stdout)).toEqual({ from: `${dir}/a.bin`, to: `${dir}/b.bin`, bytes: data.length, serverSide: true })
    expect(sha256(readFileSync(onServer("b.bin")))).toBe(sha256(data))

    succeeded(await smb(["mkdir", url("sub")]))
    expect(succeeded(await smb(["cp", url("a.bin"), url("sub")])).stdout).toBe("")
    expect(sha256(readFileSync(onServer("sub/a.bin")))).toBe(sha256(data))

    const across = succeeded(await smb(["cp", "--json", url("a.bin"), encUrl("")]))
    expect(JSON.parse(across.stdout)).toMatchObject({ to: `${dir}/a.bin`, bytes: data.length, serverSide: false })
    expect(sha256(readFileSync(onEncServer("a.bin")))).toBe(sha256(data))

    const missing = await smb(["cp", url("missing.bin"), url("x.bin")])
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe(`smb: cannot open '${server.share}/${dir}/missing.bin': STATUS_OBJECT_NAME_NOT_FOUND (0xc0000034)`)
  }, 60_000)

  it("mv renames inside a share, copies and removes across shares", async () => {
    const data = randomBytes(100_000)
    await writeFile(join(local, "m.bin"), data)
    succeeded(await smb(["put", join(local, "m.bin"), url("m.bin")]))

    const renamed = succeeded(await smb(["mv", "--json", url("m.bin"), url("n.bin")]))
    expect(JSON.parse(renamed.stdout)).toEqual({ from: `${dir}/m.bin`, to: `${dir}/n.bin`, renamed: true })
    expect(existsSync(onServer("m.bin"))).toBe(false)
    expect(sha256(readFileSync(onServer("n.bin")))).toBe(sha256(data))

    const moved = succeeded(await smb(["mv", "--json", url("n.bin"), encUrl("n.bin")]))
    expect(JSON.parse(moved.stdout)).toEqual({ from: `${dir}/n.bin`, to: `${dir}/n.bin`, renamed: false })
    expect(existsSync(onServer("n.bin"))).toBe(false)
    expect(sha256(readFileSync(onEncServer("n.bin")))).toBe(sha256(data))
  }, 60_000)

  it("stat prints what the server knows of a file or directory, as text and JSON", async () => {
    await writeFile(join(local, "s.bin"), randomBytes(5000))
    succeeded(await smb(["put", join(local, "s.bin"), url("s.bin")]))
    const json = JSON.parse(succeeded(await smb(["stat", "--json", url("s.bin")])).stdout)
    expect(json).toMatchObject({
      share: server.share,
      path: `${dir}/s.bin`,
      type: "file",
      size: 5000,
      links: 1,
      deletePending: false,
      eaSize: 0
    })
    expect(json.fileId).toMatch(/^\d+$/)
    expect(Date.parse(json.lastWriteTime)).toBeGreaterThan(Date.now() - 600_000)
    const text = succeeded(await smb(["stat", url("s.bin")])).stdout
    expect(text).toMatch(/^path +share\/cli-copy-.*\/s\.bin$/m)
    expect(text).toMatch(/^size +5000 \(4\.9 KiB\)$/m)
    expect(text).toMatch(new RegExp(`^file id +${json.fileId}$`, "m"))
    expect(JSON.parse(succeeded(await smb(["stat", "--json", url("")])).stdout)).toMatchObject({ type: "directory" })
  }, 60_000)
})
