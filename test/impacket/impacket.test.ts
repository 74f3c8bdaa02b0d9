/**
 * The client against impacket's smbserver, a second server written independently of Samba: SMB
 * 2.0.2 only, 64 KiB sizes, no capabilities, an NTLM CHALLENGE without NTLMSSP_NEGOTIATE_SIGN,
 * STATUS_NO_SUCH_FILE for a missing file. A full round trip through the library and through the
 * CLI: negotiate and log in, list, put a new file, get it, mkdir, rm, rmdir.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import type { ImpacketInstance } from "../support/impacket/Impacket.js"
import { impacketLog, startImpacket, startOrSkip, stopImpacket } from "../support/impacket/Impacket.js"

let server: ImpacketInstance | undefined
let unavailable = "not started"
let cli: Cli | undefined
let local = ""

beforeAll(async () => {
  const started = Date.now()
  const [outcome, bundled, dir] = await Promise.all([startOrSkip(), bundleCli(), mkdtemp(join(tmpdir(), "effect-smb-impacket-local-"))])
  cli = bundled
  local = dir
  if ("unavailable" in outcome) unavailable = outcome.unavailable
  else server = outcome
  if (server !== undefined && process.env.SAMBA_HARNESS_VERBOSE !== undefined) {
    process.stderr.write(`impacket harness: ready in ${server.readyMs} ms (beforeAll ${Date.now() - started} ms), port ${server.port}\n`)
  }
})

afterAll(async () => {
  await Promise.all([
    server === undefined ? undefined : stopImpacket(server),
    local === "" ? undefined : rm(local, { recursive: true, force: true })
  ])
})

const requireServer = (ctx: { readonly skip: (note?: string) => never }): ImpacketInstance =>
  server ?? ctx.skip(`needs impacket's smbserver: ${unavailable}`)

/** A connection, a session and a tree on the impacket server, closed with the test's Scope. */
const connect = (s: ImpacketInstance, options: Partial<ConnectionOptions> = {}) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: s.host, port: s.port, ...options }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(s.user, Redacted.make(s.password)))
    const tree = yield* Tree.make(session, s.share)
    return { connection, session, tree }
  })

const withLog = <A, E, R>(s: ImpacketInstance, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.tapErrorCause(() => Effect.promise(async () => process.stderr.write(`impacket log:\n${(await impacketLog(s)).slice(-3000)}\n`))))

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("impacket smbserver", () => {
  it("the harness: a second server on another port, stopped exactly (its process, its directory)", async (ctx) => {
    const first = requireServer(ctx)
    const other = await startImpacket({ user: "other", password: "otherpass1" })
    expect(other.port).not.toBe(first.port)
    expect(alive(other.pid)).toBe(true)
    await stopImpacket(other)
    expect(alive(other.pid)).toBe(false)
    expect(existsSync(other.workdir)).toBe(false)
    expect(alive(first.pid)).toBe(true)
  })

  it.scopedLive("the library: negotiate, log in, ls, put, get, mkdir, rm, rmdir", (ctx) => {
    const s = requireServer(ctx)
    return withLog(s, Effect.gen(function*() {
      const { connection, session, tree } = yield* connect(s)
      expect(connection.negotiated.dialect).toBe("2.0.2")
      expect(connection.negotiated.maxReadSize).toBe(65536)
      expect(session.isGuest).toBe(false)
      // impacket answers a session-less ECHO with the session's id: not a mismatch, since the
      // request had no session to protect
      yield* connection.echo
      writeFileSync(join(s.sharePath, "there.txt"), "from the server's disk")
      const listed = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, "")))
      expect(listed.map((e) => e.name)).toContain("there.txt")
      // impacket answers STATUS_NO_SUCH_FILE where Samba says STATUS_OBJECT_NAME_NOT_FOUND.
      expect(yield* Files.exists(tree, "missing.bin")).toBe(false)
      expect(yield* Files.exists(tree, "missing-dir/missing.bin")).toBe(false)
      // Several 64 KiB chunks each way.
      const data = randomBytes(300 * 1024 + 17)
      yield* Files.writeFile(tree, "new.bin", data)
      expect(sha256(readFileSync(join(s.sharePath, "new.bin")))).toBe(sha256(data))
      expect(sha256(yield* Files.readFile(tree, "new.bin"))).toBe(sha256(data))
      expect((yield* Files.stat(tree, "new.bin")).size).toBe(data.length)
      yield* Files.mkdir(tree, "dir")
      expect(existsSync(join(s.sharePath, "dir"))).toBe(true)
      yield* Files.remove(tree, "new.bin")
      expect(existsSync(join(s.sharePath, "new.bin"))).toBe(false)
      yield* Files.rmdir(tree, "dir")
      expect(existsSync(join(s.sharePath, "dir"))).toBe(false)
    }))
  }, 60_000)

  it.scopedLive("copy: no server-side copy there, so the data is streamed (and onto an existing file); details", (ctx) => {
    const s = requireServer(ctx)
    return withLog(s, Effect.gen(function*() {
      const { tree } = yield* connect(s)
      const data = randomBytes(200 * 1024 + 9)
      yield* Files.writeFile(tree, "copy-src.bin", data)
      // impacket answers FSCTL_SRV_REQUEST_RESUME_KEY with STATUS_INVALID_DEVICE_REQUEST
      expect(yield* Files.copy(tree, "copy-src.bin", "copy-dst.bin")).toEqual({ bytes: data.length, serverSide: false, requests: 0 })
      expect(sha256(readFileSync(join(s.sharePath, "copy-dst.bin")))).toBe(sha256(data))
      writeFileSync(join(s.sharePath, "copy-dst.bin"), "older and shorter")
      expect((yield* Files.copy(tree, "copy-src.bin", "copy-dst.bin")).bytes).toBe(data.length)
      expect(sha256(readFileSync(join(s.sharePath, "copy-dst.bin")))).toBe(sha256(data))
      expect(yield* Files.moveBetween(tree, "copy-dst.bin", tree, "copy-moved.bin")).toEqual({ renamed: true })
      expect(sha256(readFileSync(join(s.sharePath, "copy-moved.bin")))).toBe(sha256(data))
      expect(yield* Files.details(tree, "copy-moved.bin")).toMatchObject({ size: data.length, isDirectory: false, links: 1 })
      yield* Files.remove(tree, "copy-src.bin")
      yield* Files.remove(tree, "copy-moved.bin")
    }))
  }, 60_000)

  it("the CLI: info, ls, put of a new file, get, mkdir, rm, rmdir", async (ctx) => {
    const s = requireServer(ctx)
    const c = cli!
    const base = `smb://${s.user}@${s.host}:${s.port}/${s.share}`
    const env = { SMB_PASSWORD: s.password }
    const ok = async (args: ReadonlyArray<string>) => {
      const result = await c.run(args, env)
      if (result.code !== 0) process.stderr.write(`impacket log:\n${(await impacketLog(s)).slice(-3000)}\n`)
      expect({ args, stderr: result.stderr, code: result.code }).toEqual({ args, stderr: "", code: 0 })
      return result
    }
    expect((await ok(["info", base])).stdout).toMatch(/2\.0\.2/)
    const data = randomBytes(200 * 1024 + 3)
    await import("node:fs/promises").then((fs) => fs.writeFile(join(local, "up.bin"), data))
    await ok(["put", join(local, "up.bin"), `${base}/cli-up.bin`])
    expect(sha256(readFileSync(join(s.sharePath, "cli-up.bin")))).toBe(sha256(data))
    expect((await ok(["ls", base])).stdout).toMatch(/cli-up\.bin/)
    await ok(["get", `${base}/cli-up.bin`, join(local, "down.bin")])
    expect(sha256(readFileSync(join(local, "down.bin")))).toBe(sha256(data))
    await ok(["mkdir", `${base}/cli-dir`])
    expect(existsSync(join(s.sharePath, "cli-dir"))).toBe(true)
    await ok(["rm", `${base}/cli-up.bin`])
    expect(existsSync(join(s.sharePath, "cli-up.bin"))).toBe(false)
    await ok(["rmdir", `${base}/cli-dir`])
    expect(existsSync(join(s.sharePath, "cli-dir"))).toBe(false)
  }, 60_000)
})
