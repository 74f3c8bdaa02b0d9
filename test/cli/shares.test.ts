/**
 * `smb ls` on a URL without a share, run as a process against the real Samba servers
 * (test/support/samba): it lists the shares through srvsvc, as text columns or JSON lines, and
 * fails in one line like every other command.
 */
import { beforeAll, expect, it } from "@effect/vitest"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import type { Cli, CliResult } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"

let cli: Cli
beforeAll(async () => {
  cli = await bundleCli()
})

const succeeded = (result: CliResult) => {
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  return result
}

const hostUrl = (server: SambaInstance, password = server.password) =>
  `smb://${encodeURIComponent(server.user)}:${encodeURIComponent(password)}@${server.host}:${server.port}/`

describeSamba("smb ls smb://host/ lists the shares", (servers) => {
  it("text: name, type and comment in columns, in the server's order", async () => {
    const server = servers.default
    const { stdout } = succeeded(await cli.run(["ls", hostUrl(server)]))
    expect(stdout).toBe(
      [
        "share  Disk",
        "IPC$   IPC (special)  IPC Service (smb test server)",
        ""
      ].join("\n")
    )
  })

  it("--json: one object per line, with the type's bits", async () => {
    const server = servers["share-encrypt"]
    const { stdout } = succeeded(await cli.run(["ls", "--json", hostUrl(server).slice(0, -1)]))
    const shares = stdout.trimEnd().split("\n").map((line) => JSON.parse(line))
    expect(shares).toEqual(expect.arrayContaining([
      { name: server.share, type: "disk", special: false, temporary: false, typeCode: 0, comment: "" },
      { name: server.encShare, type: "disk", special: false, temporary: false, typeCode: 0, comment: "" },
      { name: "IPC$", type: "ipc", special: true, temporary: false, typeCode: 0x80000003, comment: "IPC Service (smb test server)" }
    ]))
    expect(shares).toHaveLength(3)
  })

  it("over signed and encrypted sessions, with the password from SMB_PASSWORD", async () => {
    const results = await Promise.all(
      (["signing", "encrypt"] as const).map((variant) => {
        const server = servers[variant]
        return cli.run(["ls", `smb://${server.user}@${server.host}:${server.port}/`], { SMB_PASSWORD: server.password })
      })
    )
    for (const result of results) expect(succeeded(result).stdout).toContain("IPC$   IPC (special)")
  })

  it("without a user: an anonymous (null) session, as smbclient -L -N, lists them too", async () => {
    const server = servers.default
    const { stdout } = succeeded(await cli.run(["ls", `smb://${server.host}:${server.port}/`]))
    expect(stdout).toContain("share  Disk")
    expect(stdout).toContain("IPC$   IPC (special)")
  })

  it("a failure is one line on stderr: a wrong password", async () => {
    const result = await cli.run(["ls", hostUrl(servers.default, "not the password")])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe("smb: SESSION_SETUP failed: STATUS_LOGON_FAILURE (0xc000006d)\n")
  })

  it("--verbose tells the steps on stderr, the listing stays on stdout", async () => {
    const result = await cli.run(["ls", "--verbose", hostUrl(servers.default)])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("share  Disk")
    expect(result.stderr).toContain("smb: 2 shares")
    expect(result.stderr).not.toContain(servers.default.password)
  })
})

it("smb ls --help says a URL without a share lists the shares", async () => {
  const result = await cli.run(["ls", "--help"])
  expect(result.code).toBe(0)
  expect(result.stdout).toContain("with a URL that names no share (smb://host/), list the server's shares")
})
