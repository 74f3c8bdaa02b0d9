/**
 * DFS against real Samba: a standalone namespace (`host msdfs = yes`, a share with `msdfs root =
 * yes`, links as `msdfs:` symlinks) on one loopback address, port 445, and a second server on
 * another; DFS targets name a server, never a port, so each server needs an address of its own
 * (test/support/samba/loopback.ts adds them to lo and removes them).
 *
 * Links: `local` to another share of the same server, `remote` to the second server, `failover`
 * to an address where nothing listens and then to the same server's share.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { chown, mkdir, stat, symlink, writeFile } from "node:fs/promises"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Dfs from "../../src/client/Dfs.js"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as SessionPool from "../../src/client/SessionPool.js"
import { decodeDfsReferralResponse, DfsServerType } from "../../src/wire/DfsReferral.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"
import { makeProxy, smb2Messages } from "../support/proxy.js"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import { clockAhead } from "../support/clockAhead.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, startSamba, stopSamba } from "../support/samba/index.js"
import { addLoopbackAddress } from "../support/samba/loopback.js"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describeSamba("DFS: a standalone namespace on Samba, links to the same and to a second server", () => {
  let root: SambaInstance | undefined
  let second: SambaInstance | undefined
  let cli: Cli | undefined
  const removals: Array<() => void> = []
  let unreachable = ""

  beforeAll(async () => {
    const a = await addLoopbackAddress()
    removals.push(a.remove)
    const b = await addLoopbackAddress()
    removals.push(b.remove)
    // An address in 127/8 that nothing listens on: its connections are refused at once.
    const c = await addLoopbackAddress()
    c.remove()
    unreachable = c.address
    ;[cli, root, second] = await Promise.all([
      bundleCli(),
      startSamba({
        address: a.address,
        port: 445,
        extraGlobal: ["host msdfs = yes"],
        extraShares: [{ name: "dfsroot", lines: ["msdfs root = yes"] }, { name: "data" }]
      }),
      startSamba({ address: b.address, port: 445 })
    ])
    const dfsroot = root.extraSharePaths.dfsroot!
    await symlink(`msdfs:${a.address}\\data`, join(dfsroot, "local"))
    await symlink(`msdfs:${b.address}\\share`, join(dfsroot, "remote"))
    await symlink(`msdfs:${unreachable}\\share,${a.address}\\data`, join(dfsroot, "failover"))
    await symlink(`msdfs:${unreachable}\\share`, join(dfsroot, "dead"))
    await writeFile(join(dfsroot, "plain.txt"), "in the root")
    // Made as root, owned by the share user as smbd would make them.
    const owned = async (dir: string, file: string, content: string) => {
      const { uid, gid } = await stat(dir)
      await mkdir(join(dir, "sub"))
      await writeFile(join(dir, "sub", file), content)
      await Promise.all([chown(join(dir, "sub"), uid, gid), chown(join(dir, "sub", file), uid, gid)])
    }
    await owned(root.extraSharePaths.data!, "a.txt", "on the same server")
    await owned(second.sharePath, "b.txt", "on the second server")
  })
  afterAll(async () => {
    await Promise.all([root === undefined ? undefined : stopSamba(root), second === undefined ? undefined : stopSamba(second)])
    for (const remove of removals) remove()
  })

  const setup = (options?: Dfs.DfsOptions) =>
    Effect.gen(function*() {
      const pool = yield* SessionPool.make({ host: root!.host, port: 445 })
      const dfs = Dfs.make(pool, Session.user(root!.user, root!.password), options)
      const tree = yield* dfs.tree(root!.host, "dfsroot")
      return { pool, dfs, tree }
    })

  it.scopedLive("the root share is flagged DFS; its own files open as usual (full path, DFS_OPERATIONS)", () =>
    Effect.gen(function*() {
      const { tree } = yield* setup()
      expect(tree.isDfs).toBe(true)
      expect(text(yield* Files.readFile(tree, "plain.txt"))).toBe("in the root")
      const names = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, ""))).map((e) => e.name).sort()
      expect(names).toEqual(expect.arrayContaining(["local", "plain.txt", "remote"]))
    }))

  it.scopedLive("FSCTL_DFS_GET_REFERRALS on IPC$: a version 3 answer naming the link's target", () =>
    Effect.gen(function*() {
      const { pool } = yield* setup()
      const ipc = yield* pool.tree(root!.host, "IPC$", Session.user(root!.user, root!.password))
      const response = yield* Dfs.getReferrals(ipc, `\\${root!.host}\\dfsroot\\remote\\sub\\b.txt`)
      expect(response.entries.length).toBe(1)
      const [entry] = response.entries
      expect(entry).toMatchObject({ _tag: "Path", serverType: DfsServerType.NON_ROOT, networkAddress: `\\${second!.host}\\share` })
      expect(entry!.version).toBeGreaterThanOrEqual(3)
      expect(entry!._tag === "Path" && entry!.timeToLive).toBeGreaterThan(0)
      // PathConsumed counts the bytes of "\host\dfsroot\remote".
      expect(response.pathConsumed).toBe(`\\${root!.host}\\dfsroot\\remote`.length * 2)
      expect(decodeDfsReferralResponse(new Uint8Array(0))._tag).toBe("Left")
    }))

  it.scopedLive("a link to another share on the same server: read and list, on the same connection", () =>
    Effect.gen(function*() {
      const { dfs, pool, tree } = yield* setup()
      expect(text(yield* Files.readFile(tree, "local/sub/a.txt"))).toBe("on the same server")
      const names = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, "local/sub"))).map((e) => e.name)
      expect(names).toEqual(["a.txt"])
      expect(yield* pool.connections).toBe(1)
      expect(yield* dfs.cached).toBe(1)
    }))

  it.scopedLive("a link to a second server: a second connection, reused for every later path", () =>
    Effect.gen(function*() {
      const { dfs, pool, tree } = yield* setup()
      expect(text(yield* Files.readFile(tree, "remote/sub/b.txt"))).toBe("on the second server")
      yield* Files.writeFile(tree, "remote/sub/new.txt", new TextEncoder().encode("written through the link"))
      expect(text(yield* Files.readFile(tree, "remote/sub/new.txt"))).toBe("written through the link")
      expect(yield* Files.exists(tree, "remote/sub/none.txt")).toBe(false)
      yield* Files.remove(tree, "remote/sub/new.txt")
      expect(yield* pool.connections).toBe(2)
      expect(yield* dfs.cached).toBe(1)
      const located = yield* dfs.resolve(`\\\\${root!.host}\\dfsroot\\remote\\sub\\b.txt`)
      expect(located.tree.session.connection.host).toBe(second!.host)
      expect(located.path).toBe("sub/b.txt")
    }))

  it.scopedLive("rename: in the root, and below a link (the target share's names); across a link is refused", () =>
    Effect.gen(function*() {
      const { tree } = yield* setup()
      yield* Files.writeFile(tree, "before.txt", new TextEncoder().encode("root"))
      yield* Files.rename(tree, "before.txt", "after.txt")
      expect(text(yield* Files.readFile(tree, "after.txt"))).toBe("root")
      yield* Files.remove(tree, "after.txt")
      yield* Files.writeFile(tree, "remote/sub/before.txt", new TextEncoder().encode("remote"))
      yield* Files.rename(tree, "remote/sub/before.txt", "remote/after.txt")
      expect(text(yield* Files.readFile(tree, "remote/after.txt"))).toBe("remote")
      const across = yield* Effect.flip(Files.rename(tree, "remote/after.txt", "local/after.txt"))
      expect(across).toMatchObject({ _tag: "DfsFailed", reason: "CrossLink" })
      yield* Files.remove(tree, "remote/after.txt")
    }))

  it.scopedLive("the referral is cached for the server's TimeToLive (600 s on Samba), then asked for again", () =>
    Effect.gen(function*() {
      const { dfs, tree } = yield* setup()
      const { clock: later, set: runAhead } = yield* clockAhead
      const read = Effect.withClock(Files.readFile(tree, "remote/sub/b.txt"), later)
      yield* read
      yield* read
      runAhead(599_000)
      yield* read
      expect(yield* dfs.requested).toBe(1)
      runAhead(601_000)
      yield* read
      expect(yield* dfs.requested).toBe(2)
    }))

  it.scopedLive("a domain controller that lists no domain: the name is a server, and the DC is not asked again", () =>
    Effect.gen(function*() {
      const name = "fs1.dfs.test"
      const pool = yield* SessionPool.make({ host: name, port: 445, hosts: { [name]: root!.host } })
      // The standalone second server stands in for a DC: it answers no domain referral.
      const dfs = Dfs.make(pool, Session.user(root!.user, root!.password), { domainControllers: [second!.host] })
      const tree = yield* dfs.tree(name, "dfsroot")
      expect([tree.server, tree.isDfs]).toEqual([name, true])
      expect(text(yield* Files.readFile(tree, "remote/sub/b.txt"))).toBe("on the second server")
      yield* dfs.tree(name, "data")
      // One domain referral (no domain in the answer), one for the link.
      expect(yield* dfs.requested).toBe(2)
    }))

  it.scopedLive("a target that cannot be reached is skipped for the next one; with none left, DfsFailed", () =>
    Effect.gen(function*() {
      const { tree } = yield* setup()
      expect(text(yield* Files.readFile(tree, "failover/sub/a.txt"))).toBe("on the same server")
      const error = yield* Effect.flip(Files.readFile(tree, "dead/x.txt"))
      expect(error).toMatchObject({ _tag: "DfsFailed", reason: "Unreachable", cause: { _tag: "TransportError" } })
      expect(error.message).toContain(`\\\\${root!.host}\\dfsroot\\dead`)
    }))

  it.scopedLive("on the wire: CREATE on the root carries DFS_OPERATIONS; a plain share costs nothing more (no flag, no referral)", () =>
    Effect.gen(function*() {
      const proxy = yield* makeProxy({ host: root!.host, port: 445 })
      // The proxy listens on 127.0.0.1; the server keeps its name in tree paths and CREATE names.
      const pool = yield* SessionPool.make({ host: root!.host, port: proxy.port, hosts: { [root!.host]: "127.0.0.1" } })
      const dfs = Dfs.make(pool, Session.user(root!.user, root!.password))
      const plain = yield* dfs.tree(root!.host, "data")
      expect(plain.isDfs).toBe(false)
      expect(text(yield* Files.readFile(plain, "sub/a.txt"))).toBe("on the same server")
      const namespace = yield* dfs.tree(root!.host, "dfsroot")
      expect(text(yield* Files.readFile(namespace, "plain.txt"))).toBe("in the root")
      const requests = proxy.frames.filter((f) => f.direction === "toServer").flatMap((f) => smb2Messages(f.bytes))
      // On the plain share: the compound probe's CREATE of the root, then the file's; then the namespace's.
      const creates = requests.filter((m) => m.command === Command.CREATE)
      expect(creates.map((m) => (m.flags & HeaderFlags.DFS_OPERATIONS) !== 0)).toEqual([false, false, true])
      expect(requests.some((m) => m.command === Command.IOCTL)).toBe(false)
    }))

  it.scopedLive("dfs: false follows nothing: STATUS_PATH_NOT_COVERED", () =>
    Effect.gen(function*() {
      const { tree } = yield* setup({ dfs: false })
      const error = yield* Effect.flip(Files.readFile(tree, "remote/sub/b.txt"))
      expect(error).toMatchObject({ _tag: "ServerError", status: Status.PATH_NOT_COVERED })
    }))

  it("smb ls and smb get through DFS links; --no-dfs fails with STATUS_PATH_NOT_COVERED", async () => {
    const base = `smb://${root!.user}:${root!.password}@${root!.host}/dfsroot`
    const ls = await cli!.run(["ls", `${base}/remote/sub/`])
    expect(ls.stderr).toBe("")
    expect(ls.code).toBe(0)
    expect(ls.stdout).toContain("b.txt")
    const link = await cli!.run(["ls", `${base}/remote/`])
    expect(link.stderr).toBe("")
    expect(link.stdout).toContain("sub")
    const get = await cli!.run(["get", `${base}/local/sub/a.txt`, "-"])
    expect(get.code).toBe(0)
    expect(get.stdout).toBe("on the same server")
    const off = await cli!.run(["ls", "--no-dfs", `${base}/remote/sub/`])
    expect(off.code).not.toBe(0)
    expect(off.stderr).toContain("STATUS_PATH_NOT_COVERED")
  })
})
