/**
 * DFS in a Kerberos-only domain: a private AD DC (`ntlm auth = disabled`) whose MS-DFS root `dfs`
 * holds a link to the DC's own `share` under its DNS name (dc1.example.test, resolved in the
 * client). The library follows the link with Kerberos sessions and reuses the one connection;
 * `smb get` and `smb ls` reach a file through the link with --auth kerberos.
 *
 * Domain-based namespaces (MS-DFSC 3.1.4.1): \\EXAMPLE.TEST\sysvol and \\EXAMPLE\netlogon reach
 * the DC's shares through a domain referral, a DC referral and a root referral (Samba's DC answers
 * them in dfs_server_ad.c: names with TTL 600 s, SYSVOL/NETLOGON storage targets with TTL 900 s),
 * and the `dfs` root through the domain name reaches the link too. The DC is found as the realm's
 * KDC (an address, named by the `hosts` map); for `smb ls //EXAMPLE.TEST/sysvol/` by a user with
 * a kinit ticket and no password, as the KDC of the ticket's realm in krb5.conf. A link from the DC's root to a share on MEMBER1,
 * a member server of the domain (startMember), is followed with Kerberos on a second connection.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { chmod, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { existsSync } from "node:fs"
import { join } from "node:path"
import * as Dfs from "../../src/client/Dfs.js"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as SessionPool from "../../src/client/SessionPool.js"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import type { AddcInstance, MemberInstance } from "../support/addc/index.js"
import { describeAddc, startAddc, startMember, stopAddc } from "../support/addc/index.js"
import { clockAhead } from "../support/clockAhead.js"
import { run } from "../support/samba/exec.js"
import { pidsUsingConf } from "../support/samba/proc.js"

describeAddc("DFS in a Kerberos-only domain", () => {
  let dc: AddcInstance | undefined
  let member: MemberInstance | undefined
  let cli: Cli | undefined
  const link = `team-${process.pid}`
  const memberLink = `member-${process.pid}`

  beforeAll(async () => {
    // The member needs the DC running; both start while the CLI is bundled. Each is kept as soon
    // as it runs, so that afterAll stops it whatever fails next.
    const servers = async () => {
      const started = dc = await startAddc({ ntlm: false, member: true })
      return { dc: started, member: member = await startMember(started) }
    }
    const [bundled, { dc: controller, member: joined }] = await Promise.all([bundleCli(), servers()])
    cli = bundled
    await symlink(`msdfs:${joined.hostname}\\${joined.share}`, join(controller.dfsPath, memberLink))
    await writeFile(join(joined.sharePath, "on-member.txt"), "on the member server\n")
    await symlink(`msdfs:${controller.hostname}\\${controller.share}`, join(controller.dfsPath, link))
    await mkdir(join(controller.sharePath, "reports"), { recursive: true })
    await writeFile(join(controller.sharePath, "reports", "q3.txt"), "through the link\n")
    await chmod(join(controller.sharePath, "reports"), 0o777)
    await writeFile(join(controller.workdir, "state", "sysvol", controller.realm.toLowerCase(), "scripts", "logon.cmd"), "rem from netlogon\r\n")
  }, 120_000)
  afterAll(async () => {
    await Promise.all([member === undefined ? undefined : stopAddc(member), dc === undefined ? undefined : stopAddc(dc)])
    // Stopping the member leaves nothing behind: no smbd, winbindd or RPC helper naming its config, no run directory.
    if (member !== undefined) expect([pidsUsingConf(member.conf), existsSync(member.workdir)]).toEqual([[], false])
  })

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

  /** A pool and resolver as the Kerberos user, the DC named only by the KDC address and the `hosts` map. */
  const domainSetup = () =>
    Effect.gen(function*() {
      const server = dc!
      const pool = yield* SessionPool.make({
        host: server.hostname,
        hosts: { [server.hostname]: server.address, dc1: server.address, [member!.hostname]: member!.address }
      })
      const dfs = Dfs.make(pool, Session.user(`${server.user}@${server.realm}`, server.password), {
        session: { auth: "kerberos", kerberos: { kdc: [server.address], ccache: false } }
      })
      return { server, pool, dfs }
    })

  const names = (tree: Parameters<typeof Files.list>[0], path: string) =>
    Effect.map(Stream.runCollect(Files.list(tree, path)), (entries) => Chunk.toReadonlyArray(entries).map((entry) => entry.name))

  it.scopedLive("domain-based: \\\\EXAMPLE.TEST\\sysvol and \\\\EXAMPLE\\netlogon through domain, DC and root referrals, cached with their TTLs", () =>
    Effect.gen(function*() {
      const { dfs, pool, server } = yield* domainSetup()
      const { clock: later, set: runAhead } = yield* clockAhead
      const tree = (domain: string, share: string) => Effect.withClock(dfs.tree(domain, share), later)

      const sysvol = yield* tree(server.realm, "sysvol")
      expect([sysvol.server, sysvol.share, sysvol.session.auth]).toEqual([server.hostname, "sysvol", "kerberos"])
      expect(yield* names(sysvol, `${server.realm.toLowerCase()}/Policies`)).toContain("{31B2F340-016D-11D2-945F-00C04FB984F9}")
      // The domain referral, the DC referral for EXAMPLE.TEST, the root referral for \\EXAMPLE.TEST\sysvol.
      expect(yield* dfs.requested).toBe(3)

      const netlogon = yield* tree(server.domain, "netlogon")
      // The NetBIOS domain's DCs come back by NetBIOS name; `hosts` maps "dc1", names compare case-insensitively.
      expect([netlogon.server, netlogon.share]).toEqual(["DC1", "netlogon"])
      expect(new TextDecoder().decode(yield* Files.readFile(netlogon, "logon.cmd"))).toBe("rem from netlogon\r\n")
      expect(yield* dfs.requested).toBe(5)

      // Cached, case-insensitively: nothing more is asked; resolve maps the whole path.
      yield* tree(server.realm.toLowerCase(), "SYSVOL")
      const located = yield* Effect.withClock(dfs.resolve(`\\\\${server.realm}\\sysvol\\${server.realm}\\Policies`), later)
      expect([located.tree.server, located.tree.share, located.path]).toEqual([server.hostname, "sysvol", `${server.realm}/Policies`])
      runAhead(599_000)
      yield* tree(server.realm, "sysvol")
      expect(yield* dfs.requested).toBe(5)
      // Domain and DC lists live 600 s, SYSVOL's root referral 900 s: after 601 s only the domain
      // list is asked for again (the cached root names the DC itself); after 901 s the DCs and the root too.
      runAhead(601_000)
      yield* tree(server.realm, "sysvol")
      expect(yield* dfs.requested).toBe(6)
      runAhead(901_000)
      yield* tree(server.realm, "sysvol")
      expect(yield* dfs.requested).toBe(8)
      expect(yield* pool.connections).toBe(2)
    }))

  it.scopedLive("domain-based: the DC's dfs root through the domain name, and its link, with Kerberos", () =>
    Effect.gen(function*() {
      const { dfs, pool, server } = yield* domainSetup()
      const root = yield* dfs.tree(server.realm, server.dfsShare)
      // Samba answers the root referral with "\\EXAMPLE.TEST\dfs" itself: the domain's DC is the target.
      expect([root.server, root.isDfs]).toEqual([server.hostname, true])
      expect(new TextDecoder().decode(yield* Files.readFile(root, `${link}/reports/q3.txt`))).toBe("through the link\n")
      const located = yield* dfs.resolve(`\\\\${server.realm.toLowerCase()}\\${server.dfsShare}\\${link}\\reports\\q3.txt`)
      expect([located.tree.share, located.path]).toEqual([server.share, "reports/q3.txt"])
      // Domain, DC, root and link referrals, the root and the link target: all on the one DC connection.
      expect(yield* dfs.requested).toBe(4)
      expect(yield* pool.connections).toBe(1)
    }))

  it.scopedLive("a link to a share on a member server of the domain, through the domain name, with Kerberos", () =>
    Effect.gen(function*() {
      const { dfs, pool, server } = yield* domainSetup()
      const root = yield* dfs.tree(server.realm, server.dfsShare)
      yield* Files.writeFile(root, `${memberLink}/written.txt`, new TextEncoder().encode("by kuser"))
      expect(new TextDecoder().decode(yield* Files.readFile(root, `${memberLink}/on-member.txt`))).toBe("on the member server\n")
      const located = yield* dfs.resolve(`\\\\${server.realm}\\${server.dfsShare}\\${memberLink}\\written.txt`)
      expect([located.tree.server, located.tree.share, located.path, located.tree.session.auth]).toEqual([member!.hostname, "data", "written.txt", "kerberos"])
      expect(yield* pool.connections).toBe(2)
      // The member logged the user on with Kerberos, and the file is the domain user's.
      expect(yield* Effect.promise(() => readFile(member!.logPath, "utf8"))).toMatch(/Successful AuthZ: \[SMB2,krb5\] user \[EXAMPLE\]\\\[kuser\]/)
      expect(yield* Effect.promise(() => readFile(join(member!.sharePath, "written.txt"), "utf8"))).toBe("by kuser")
    }))

  it("smb ls //EXAMPLE.TEST/sysvol/ from a kinit ticket (no password, realm or --auth); smb get through the domain's dfs root", async () => {
    const server = dc!
    const ccache = join(server.workdir, `kinit-${process.pid}.ccache`)
    const ticket = { KRB5_CONFIG: server.krb5Conf, KRB5CCNAME: `FILE:${ccache}` }
    const kinit = await run("kinit", [`${server.user}@${server.realm}`], { env: { ...process.env, ...ticket }, input: `${server.password}\n` })
    expect(kinit.code, kinit.stderr).toBe(0)
    const resolve = `--resolve=${server.hostname}=${server.address}`
    try {
      // The DC is the KDC of the ticket's realm (krb5.conf), by the name --resolve gives its address.
      const ls = await cli!.run(["ls", resolve, `smb://${server.user}@${server.realm}/sysvol/`], ticket)
      expect(ls.stderr).toBe("")
      expect(ls.stdout).toContain(server.realm.toLowerCase())
    } finally {
      await rm(ccache, { force: true })
    }
    const env = { SMB_PASSWORD: server.password, KRB5_CONFIG: server.krb5Conf, KRB5CCNAME: `FILE:${join(server.workdir, "none.ccache")}` }
    const url = `smb://${server.realm};${server.user}@${server.realm}/${server.dfsShare}/${link}/reports/q3.txt`
    const get = await cli!.run(["get", "--auth", "kerberos", "--kdc", server.address, resolve, url, "-"], env)
    expect(get.stderr).toBe("")
    expect(get.stdout).toBe("through the link\n")
  })
})
