/**
 * `smb acl URL` run as a process against the real Samba server: the owner, group and DACL of a
 * file as text and as JSON, checked against the file's owner group and mode on the server's disk,
 * and a missing file failing in one line that names it.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { randomUUID } from "node:crypto"
import { chmod, chown, mkdir, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import type { Cli } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"

let cli: Cli
beforeAll(async () => {
  cli = await bundleCli()
})

describeSamba("smb acl against Samba", (servers) => {
  const server: SambaInstance = servers.default
  const dir = `acl-${randomUUID()}`
  const url = (path: string) =>
    `smb://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.share}/${dir}/${path}`

  beforeAll(async () => {
    const owner = await stat(server.sharePath)
    await mkdir(join(server.sharePath, dir))
    await writeFile(join(server.sharePath, dir, "a.txt"), "hello")
    await chmod(join(server.sharePath, dir, "a.txt"), 0o644)
    await Promise.all([dir, join(dir, "a.txt")].map((path) => chown(join(server.sharePath, path), owner.uid, owner.gid)))
  })
  afterAll(() => rm(join(server.sharePath, dir), { recursive: true, force: true }))

  it("prints the owner, group and DACL as text and as JSON", async () => {
    const gid = (await stat(join(server.sharePath, dir, "a.txt"))).gid
    const text = await cli.run(["acl", url("a.txt")])
    expect(text.stderr).toBe("")
    expect(text.code).toBe(0)
    const lines = text.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^owner {2}S-1-5-21-\d+-\d+-\d+-\d+$/)
    expect(lines[1]).toBe(`group  S-1-22-2-${gid}`)
    // mode 0644: Everyone (the "other" bits) may read
    expect(lines).toContain("ALLOWED  0x00120089  READ  -  S-1-1-0")
    expect(lines.slice(2).every((line) => /^ALLOWED {2}0x[0-9a-f]{8} {2}(\w+ {2})?- {2}S-1-[\d-]+$/.test(line))).toBe(true)

    const json = await cli.run(["acl", "--json", url("a.txt")])
    expect(json.code).toBe(0)
    const parsed = JSON.parse(json.stdout) as { owner: string; group: string; path: string; dacl: Array<unknown> }
    expect(parsed).toMatchObject({ share: server.share, path: `${dir}/a.txt`, owner: lines[0]!.slice(7), group: `S-1-22-2-${gid}` })
    expect(parsed.dacl).toHaveLength(lines.length - 2)
    expect(parsed.dacl).toContainEqual({ type: "AccessAllowed", flags: 0, mask: 0x120089, sid: "S-1-1-0" })
  })

  it("a missing file fails in one line that names it", async () => {
    const result = await cli.run(["acl", url("missing.txt")])
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd()).toBe(`smb: cannot open '${server.share}/${dir}/missing.txt': STATUS_OBJECT_NAME_NOT_FOUND (0xc0000034)`)
  })
})
