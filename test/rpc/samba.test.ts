/**
 * Share listing through srvsvc against the real Samba servers (test/support/samba): the harness's
 * share and IPC$ come back with their types, on every variant (signed, encrypted) and dialect
 * family; the IOCTL's output cut short makes the rest come by READ; a bad opnum is a fault.
 *
 * A server of its own with 40 shares with long comments makes Samba fragment the response
 * (PFC_LAST_FRAG on the last of several PDUs), plus a printer and a hidden share.
 *
 * With EFFECT_SMB_CAPTURE_RPC=1 the first test writes the bind_ack and NetrShareEnum response it
 * received to test/rpc/captured.json (how test/rpc/fixtures.ts was made).
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { writeFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Tree from "../../src/client/Tree.js"
import type { DialectName } from "../../src/connection/ConnectionOptions.js"
import * as Pipe from "../../src/rpc/Pipe.js"
import type { PipeShape } from "../../src/rpc/Pipe.js"
import * as Rpc from "../../src/rpc/Rpc.js"
import * as Shares from "../../src/rpc/Shares.js"
import { NDR20, PIPE_NAME, SRVSVC } from "../../src/rpc/Srvsvc.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, startSamba, stopSamba } from "../support/samba/index.js"
import { scenario } from "../samba/scenario.js"
import { toHex } from "../support/bytes.js"

/** A pipe that keeps a copy of everything it returned. */
const recording = <E>(pipe: PipeShape<E>, log: Array<{ op: string; data: Uint8Array; more: boolean }>): PipeShape<E> => ({
  transceive: (message, maxOutput) =>
    Effect.tap(pipe.transceive(message, maxOutput), (r) => log.push({ op: "transceive", data: Uint8Array.from(r.data), more: r.more })),
  read: (length) => Effect.tap(pipe.read(length), (r) => log.push({ op: "read", data: Uint8Array.from(r.data), more: r.more }))
})

const expectHarnessShares = (shares: ReadonlyArray<Shares.Share>, server: SambaInstance) => {
  expect(shares.find((s) => s.name === server.share)).toMatchObject({ type: "disk", special: false, temporary: false, typeCode: 0 })
  expect(shares.find((s) => s.name === "IPC$")).toMatchObject({ type: "ipc", special: true, typeCode: 0x80000003 })
  if (server.encShare !== null) expect(shares.find((s) => s.name === server.encShare)).toMatchObject({ type: "disk" })
}

describeSamba("Samba: listing shares through srvsvc", (servers) => {
  it.scopedLive("NetrShareEnum level 1 lists the share and IPC$ with their types and comments", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { session } = yield* scenario(server, {})
      const ipc = yield* Tree.make(session, "IPC$")
      const pipe = yield* Pipe.open(ipc, PIPE_NAME)
      const log: Array<{ op: string; data: Uint8Array; more: boolean }> = []
      const binding = yield* Rpc.bind(recording(pipe, log), SRVSVC, NDR20)
      expect(binding.maxXmitFrag).toBeGreaterThanOrEqual(1432)
      const shares = yield* Shares.enumerate(binding, `\\\\${server.host}`)
      yield* pipe.close
      expectHarnessShares(shares, server)
      expect(shares.find((s) => s.name === "IPC$")!.comment).toContain("IPC Service")
      if (process.env.EFFECT_SMB_CAPTURE_RPC === "1") {
        writeFileSync(
          new URL("./captured.json", import.meta.url),
          JSON.stringify({ samba: server.conf, log: log.map((l) => ({ ...l, data: toHex(l.data) })), shares }, null, 2)
        )
      }
    }))

  const cases: ReadonlyArray<{ variant: keyof typeof servers; dialect: DialectName }> = [
    { variant: "default", dialect: "2.0.2" },
    { variant: "default", dialect: "2.1" },
    { variant: "signing", dialect: "3.0" },
    { variant: "signing", dialect: "3.0.2" },
    { variant: "encrypt", dialect: "3.1.1" },
    { variant: "share-encrypt", dialect: "3.1.1" }
  ]
  for (const { dialect, variant } of cases) {
    it.scopedLive(`Shares.list on ${variant}, SMB ${dialect}`, () =>
      Effect.gen(function*() {
        const server = servers[variant]
        const { session } = yield* scenario(server, { minDialect: dialect, maxDialect: dialect })
        const shares = yield* Shares.list(session)
        expectHarnessShares(shares, server)
        // Twice on one session: IPC$ was disconnected and the pipe closed in between.
        expect(yield* Shares.list(session)).toEqual(shares)
      }))
  }

  it.scopedLive("an IOCTL output smaller than the PDU: STATUS_BUFFER_OVERFLOW, then READ for the rest", () =>
    Effect.gen(function*() {
      const server = servers.signing
      const { session } = yield* scenario(server, {})
      const ipc = yield* Tree.make(session, "IPC$")
      const pipe = yield* Pipe.open(ipc, PIPE_NAME)
      const log: Array<{ op: string; data: Uint8Array; more: boolean }> = []
      const binding = yield* Rpc.bind(recording(pipe, log), SRVSVC, NDR20, { maxTransceiveOutput: 40 })
      const shares = yield* Shares.enumerate(binding, `\\\\${server.host}`)
      expectHarnessShares(shares, server)
      const overflowed = log.filter((l) => l.op === "transceive" && l.more)
      expect(overflowed.length).toBe(2) // the bind_ack and the response
      expect(overflowed.every((l) => l.data.length === 40)).toBe(true)
      expect(log.some((l) => l.op === "read")).toBe(true)
    }))

  it.scopedLive("an opnum srvsvc does not have fails with RpcFault nca_s_op_rng_error", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { session } = yield* scenario(server, {})
      const ipc = yield* Tree.make(session, "IPC$")
      const pipe = yield* Pipe.open(ipc, PIPE_NAME)
      const binding = yield* Rpc.bind(pipe, SRVSVC, NDR20)
      const exit = yield* Effect.exit(Rpc.call(binding, 999, new Uint8Array(8), "srvsvc.opnum999"))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "RpcFault", reason: "nca_s_op_rng_error", status: 0x1c010002 } } })
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("srvsvc.opnum999: RPC fault nca_s_op_rng_error (0x1c010002)")
    }))

  it.scopedLive("binding an interface the pipe does not serve is refused", () =>
    Effect.gen(function*() {
      const { session } = yield* scenario(servers.default, {})
      const ipc = yield* Tree.make(session, "IPC$")
      const pipe = yield* Pipe.open(ipc, PIPE_NAME)
      const exit = yield* Effect.exit(Rpc.bind(pipe, { uuid: "12345778-1234-abcd-ef00-0123456789ac", major: 1, minor: 0 }, NDR20))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "RpcBindRejected" } } })
    }))
})

describeSamba("Samba with many shares: a fragmented NetrShareEnum response", () => {
  const many = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, "0")}`)
  const comment = (name: string) => `${name}: a comment long enough to make the listing span several fragments`
  let server: SambaInstance | undefined
  let dir: string | undefined
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "effect-smb-shares-"))
    const include = join(dir, "shares.conf")
    const sections = [
      ...many.map((name) => `[${name}]\n\tpath = ${dir}\n\tcomment = ${comment(name)}\n\tbrowseable = yes`),
      `[laser]\n\tpath = ${dir}\n\tprintable = yes\n\tcomment = the printer`,
      `[hidden$]\n\tpath = ${dir}\n\tbrowseable = yes`
    ]
    await writeFile(include, `${sections.join("\n\n")}\n`)
    server = await startSamba({ extraGlobal: [`include = ${include}`] })
  })
  afterAll(async () => {
    if (server !== undefined) await stopSamba(server)
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it.scopedLive("several response PDUs, the last with PFC_LAST_FRAG, reassemble into every share", () =>
    Effect.gen(function*() {
      const { session } = yield* scenario(server!, {})
      const ipc = yield* Tree.make(session, "IPC$")
      const pipe = yield* Pipe.open(ipc, PIPE_NAME)
      const log: Array<{ op: string; data: Uint8Array; more: boolean }> = []
      const binding = yield* Rpc.bind(recording(pipe, log), SRVSVC, NDR20, { maxFragment: 2048 })
      expect(binding.maxRecvFrag).toBe(2048)
      const shares = yield* Shares.enumerate(binding, `\\\\${server!.host}`)
      // The call's PDUs, one per transceive or read: first fragment, middle ones, last fragment.
      const flags = log.slice(1).map((l) => l.data[3]! & 0x03)
      expect(flags.length).toBeGreaterThanOrEqual(3)
      expect(flags[0]).toBe(0x01)
      expect(flags.slice(1, -1).every((f) => f === 0)).toBe(true)
      expect(flags[flags.length - 1]).toBe(0x02)
      for (const name of many) expect(shares.find((s) => s.name === name)).toEqual({
        name,
        type: "disk",
        special: false,
        temporary: false,
        typeCode: 0,
        comment: comment(name)
      })
      expect(shares.find((s) => s.name === "laser")).toMatchObject({ type: "printer", comment: "the printer" })
      // A hidden share is listed (NetrShareEnum is "enumerate all"); Samba 4.17 sets STYPE_SPECIAL
      // on IPC$ only, not on a share of its configuration whose name ends in "$".
      expect(shares.find((s) => s.name === "hidden$")).toMatchObject({ type: "disk", typeCode: 0 })
      expectHarnessShares(shares, server!)
      // And all of it again through a 100-byte IOCTL output: each fragment overflows into READs.
      expect(yield* Shares.list(session, { maxFragment: 2048, maxTransceiveOutput: 100 })).toEqual(shares)
    }))
})
