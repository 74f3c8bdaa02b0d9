/**
 * DFS in a Kerberos-only domain: a private AD DC (`ntlm auth = disabled`) whose MS-DFS root `dfs`
 * holds a link to the DC's own `share` under its DNS name (dc1.example.test, resolved in the
 * client). The library follows the link with Kerberos sessions and reuses the one connection;
 * `smb get` and `smb ls` reach a file through the link with --auth kerberos. The link to a second
 * server is tested against standalone Samba (test/samba/dfs.test.ts): a standalone smbd next to
 * the DC would need the DC's user as a local account.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises"
import { join } from "node:path"
import * as Dfs from "../../src/client/Dfs.js"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as SessionPool from "../../src/client/SessionPool.js"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import type { AddcInstance } from "../support/addc/index.js"
import { describeAddc, startAddc, stopAddc } from "../support/addc/index.js"

describeAddc("DFS in a Kerberos-only domain", () => {
  let dc: AddcInstance | undefined
  let cli: Cli | undefined
  const link = `team-${process.pid}`

  beforeAll(async () => {
    ;[cli, dc] = await Promise.all([bundleCli(), startAddc({ ntlm: false })])
    await symlink(`msdfs:${dc.hostname}\\${dc.share}`, join(dc.dfsPath, link))
    await mkdir(join(dc.sharePath, "reports"), { recursive: true })
    await writeFile(join(dc.sharePath, "reports", "q3.txt"), "through the link\n")
    await chmod(join(dc.sharePath, "reports"), 0o777)
  }, 120_000)
  afterAll(() => dc === undefined ? undefined : stopAddc(dc))

  it.scopedLive("the library follows the link with Kerberos, on the one connection", () =>
    Effect.gen(function*() {
      const server = dc!
      const pool = yield* SessionPool.make({ host: server.hostname, hosts: { [server.hostname]: server.address } })
      const dfs = Dfs.make(pool, Session.user(`${server.user}@${server.realm}`, server.password, server.domain), {
        session: { auth: "kerberos", kerberos: { kdc: [server.address], ccache: false } }
      })
      const root = yield* dfs.tree(server.hostname, server.dfsShare)
      expect(root.isDfs).toBe(true)
      expect(root.session.auth).toBe("kerberos")
      expect(new TextDecoder().decode(yield* Files.readFile(root, `${link}/reports/q3.txt`))).toBe("through the link\n")
      yield* Files.writeFile(root, `${link}/reports/new.txt`, new TextEncoder().encode("written"))
      expect(new TextDecoder().decode(yield* Files.readFile(root, `${link}/reports/new.txt`))).toBe("written")
      yield* Files.remove(root, `${link}/reports/new.txt`)
      const located = yield* dfs.resolve(`\\\\${server.hostname}\\${server.dfsShare}\\${link}\\reports\\q3.txt`)
      expect([located.tree.share, located.path]).toEqual([server.share, "reports/q3.txt"])
      expect(yield* pool.connections).toBe(1)
      expect(yield* dfs.requested).toBe(1)
    }))

  it("smb get and ls through the link with --auth kerberos", async () => {
    const server = dc!
    const env = { SMB_PASSWORD: server.password, KRB5_CONFIG: server.krb5Conf, KRB5CCNAME: `FILE:${join(server.workdir, "none.ccache")}` }
    const base = `smb://${server.realm};${server.user}@${server.hostname}/${server.dfsShare}/${link}/reports`
    const options = ["--auth", "kerberos", "--kdc", server.address, `--resolve=${server.hostname}=${server.address}`]
    const get = await cli!.run(["get", ...options, `${base}/q3.txt`, "-"], env)
    expect(get.stderr).toBe("")
    expect(get.stdout).toBe("through the link\n")
    const ls = await cli!.run(["ls", ...options, `${base}/`], env)
    expect(ls.stderr).toBe("")
    expect(ls.stdout).toContain("q3.txt")
  })
})
