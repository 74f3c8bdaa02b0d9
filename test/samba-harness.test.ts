/**
 * Checks the real-Samba test harness itself: the servers globalSetup started accept connections
 * and behave as their variant says (checked with Samba's own smbclient, and for signing on the
 * wire through a recording proxy), and the
 * manager starts, and stops without leftovers, a server of its own.
 *
 * Expected smbclient outcomes are the ones measured with Samba 4.17 for this configuration: a
 * server with `server smb encrypt = required` refuses an SMB 2.0.2 session
 * (NT_STATUS_ACCESS_DENIED, since 2.x cannot encrypt), and a share with `smb encrypt = required`
 * refuses the tree connect on 2.x.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { Command } from "../src/wire/Command.js"
import { scenario } from "./samba/scenario.js"
import { makeProxy, SIGNED, smb2Messages } from "./support/proxy.js"
import { rm, writeFile } from "node:fs/promises"
import { existsSync } from "node:fs"
import { connect, createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { run } from "./support/samba/exec.js"
import type { SambaInstance } from "./support/samba/index.js"
import { describeSamba, requireSamba, SAMBA_VARIANTS, startSamba, stopSamba } from "./support/samba/index.js"
import { isAlive, pidsUsingConf } from "./support/samba/proc.js"

const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

const smbclient = (server: SambaInstance, share: string, args: ReadonlyArray<string>) =>
  run("smbclient", [`//${server.host}/${share}`, "-p", String(server.port), "-U", `${server.user}%${server.password}`, ...args])

const testparm = async (server: SambaInstance, parameter: string): Promise<string> =>
  (await run("testparm", ["-s", `--parameter-name=${parameter}`, server.conf])).stdout.trim()

describe("samba harness: each server from globalSetup", () => {
  for (const variant of SAMBA_VARIANTS) {
    it(`${variant}: accepts TCP connections on its port`, async (ctx) => {
      const server = requireSamba(variant, ctx)
      expect(server.variant).toBe(variant)
      expect(await accepts(server.host, server.port)).toBe(true)
    })
  }
})

describeSamba("samba harness: the variants", (servers) => {
  it("default: smbclient over SMB 3.1.1 lists a file placed in the share directory", async () => {
    const server = servers.default
    const name = `harness-${process.pid}.txt`
    await writeFile(`${server.sharePath}/${name}`, "hello\n")
    try {
      const result = await smbclient(server, server.share, ["-m", "SMB3_11", "-c", "ls"])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(name)
    } finally {
      await rm(`${server.sharePath}/${name}`)
    }
  })

  it("encrypt: refuses an unencrypted SMB 2.0.2 session, serves SMB 3.1.1", async () => {
    const server = servers.encrypt
    const plain = await smbclient(server, server.share, ["-m", "SMB2_02", "--client-protection=off", "-c", "ls"])
    expect(plain.code).not.toBe(0)
    expect(plain.stdout + plain.stderr).toContain("NT_STATUS_ACCESS_DENIED")
    const encrypted = await smbclient(server, server.share, ["-m", "SMB3_11", "-c", "ls"])
    expect(encrypted.code).toBe(0)
  })

  // Behaviour, not configuration: on the wire, the signing server's NEGOTIATE response says
  // SIGNING_REQUIRED and it refuses a request of the session whose signature was stripped on the
  // way; the default server says signing is only enabled and serves the same request unsigned.
  it.scopedLive("signing: the server requires signing", () =>
    Effect.gen(function*() {
      const outcome = (server: SambaInstance) =>
        Effect.gen(function*() {
          const proxy = yield* makeProxy(server)
          const { connection, session } = yield* scenario({ ...server, port: proxy.port }, {})
          const negotiate = proxy.frames.find((f) => f.direction === "toClient")!.bytes
          const securityMode = new DataView(negotiate.buffer, negotiate.byteOffset).getUint16(64 + 2, true)
          proxy.rewriteToServer = (frame) => {
            const [m] = smb2Messages(frame)
            if (m?.command !== Command.ECHO || m.sessionId !== session.id) return undefined
            const copy = frame.slice()
            const view = new DataView(copy.buffer)
            view.setUint32(16, view.getUint32(16, true) & ~SIGNED, true)
            copy.fill(0, 48, 64)
            return copy
          }
          const exit = yield* Effect.exit(connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: new Uint8Array([4, 0, 0, 0]) }))
          const sent = proxy.frames.filter((f) => f.direction === "toServer").flatMap((f) => smb2Messages(f.bytes))
            .filter((m) => m.command === Command.ECHO && m.sessionId === session.id)
          expect(sent).toHaveLength(1)
          expect(sent[0]!.flags & SIGNED).toBe(0)
          const answer = proxy.frames.filter((f) => f.direction === "toClient").flatMap((f) => smb2Messages(f.bytes))
            .find((m) => m.messageId === sent[0]!.messageId)
          return { required: (securityMode & 0x2) !== 0, status: answer?.status, succeeded: Exit.isSuccess(exit) }
        })
      expect(yield* outcome(servers.signing)).toEqual({ required: true, status: 0xc0000022, succeeded: false })
      expect(yield* outcome(servers.default)).toEqual({ required: false, status: 0, succeeded: true })
    }))

  it("share-encrypt: [encshare] refuses SMB 2.0.2 at tree connect, [share] does not", async () => {
    const server = servers["share-encrypt"]
    expect(server.encShare).toBe("encshare")
    const enc = await smbclient(server, "encshare", ["-m", "SMB2_02", "-c", "ls"])
    expect(enc.stdout + enc.stderr).toContain("tree connect failed: NT_STATUS_ACCESS_DENIED")
    const plain = await smbclient(server, server.share, ["-m", "SMB2_02", "-c", "ls"])
    expect(plain.code).toBe(0)
  })
})

describeSamba("samba harness: the manager", () => {
  it("starts a server with an extra [global] line, then stops it and everything it spawned", async () => {
    const server = await startSamba({ extraGlobal: ["server smb3 encryption algorithms = AES-256-GCM"] })
    try {
      expect(isAlive(server.pid)).toBe(true)
      expect(server.workdir.length).toBeLessThanOrEqual(80)
      expect(await accepts(server.host, server.port)).toBe(true)
      expect(await testparm(server, "server smb3 encryption algorithms")).toBe("AES-256-GCM")
      // and the server behaves so: offered every cipher (AES-128-GCM first), it picks AES-256-GCM
      const cipher = await Effect.runPromise(Effect.scoped(Effect.map(scenario(server, {}), ({ connection }) => connection.negotiated.encryption)))
      expect(cipher).toBe("AES-256-GCM")
      // Listing shares goes through RPC, which makes smbd start samba-dcerpcd: a daemon that
      // would outlive smbd if the manager did not stop it too.
      const list = await run("smbclient", ["-L", `//${server.host}`, "-p", String(server.port), "-U", `${server.user}%${server.password}`])
      expect(list.stdout).toContain("IPC$")
      expect(existsSync(`${server.workdir}/run/samba-dcerpcd.pid`)).toBe(true)
    } finally {
      await stopSamba(server)
    }
    expect(isAlive(server.pid)).toBe(false)
    expect(pidsUsingConf(server.conf)).toEqual([])
    expect(existsSync(server.workdir)).toBe(false)
    await stopSamba(server)
  })

  it("rejects a misspelt parameter and leaves nothing behind", async () => {
    const failure = await startSamba({ extraGlobal: ["server smb3 encryption algoritms = AES-256-GCM"] }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(failure).toMatchObject({ _tag: "SambaError", reason: "BadOptions" })
    expect(String((failure as Error).message)).toContain("encryption algoritms")
    const workdir = /testparm rejected (\S+)\/smb\.conf/.exec((failure as Error).message)?.[1]
    expect(workdir).toBeDefined()
    expect(existsSync(workdir!)).toBe(false)
  })

  it("reports a requested port that another program holds", async () => {
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve))
    const port = (squatter.address() as AddressInfo).port
    try {
      await expect(startSamba({ port })).rejects.toMatchObject({ _tag: "SambaError", reason: "PortInUse" })
    } finally {
      squatter.close()
    }
  })
})
