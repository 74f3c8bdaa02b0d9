/**
 * `smb info` run as a process: against the real Samba servers (test/support/samba) for what it
 * prints and how it fails, and against a silent TCP server for Ctrl-C.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { statfsSync } from "node:fs"
import { createServer } from "node:net"
import type { Server, Socket } from "node:net"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import type { Cli } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"

let cli: Cli
beforeAll(async () => {
  cli = await bundleCli()
})

const url = (server: SambaInstance, options: { readonly password?: string; readonly share?: string | null } = {}) => {
  const password = encodeURIComponent(options.password ?? server.password)
  const share = options.share === undefined ? server.share : options.share
  return `smb://${encodeURIComponent(server.user)}:${password}@${server.host}:${server.port}${share === null ? "" : `/${share}`}`
}

const infoJson = async (args: ReadonlyArray<string>, env?: Record<string, string>) => {
  const result = await cli.run(["info", "--json", ...args], env)
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  const lines = result.stdout.trim().split("\n")
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

const oneLineFailure = (result: { readonly code: number | null; readonly stderr: string; readonly stdout: string }, code: number) => {
  expect(result.code).toBe(code)
  expect(result.stdout).toBe("")
  const lines = result.stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describeSamba("smb info against Samba", (servers) => {
  it("smb df prints the volume's size (text and --json)", async () => {
    const server = servers.default
    const json = await cli.run(["df", "--json", url(server)])
    expect(json.code).toBe(0)
    const size = JSON.parse(json.stdout) as { share: string; totalBytes: number; availableBytes: number; freeBytes: number }
    expect(size.share).toBe(server.share)
    expect(size.totalBytes).toBe(statfsSync(server.sharePath).blocks * statfsSync(server.sharePath).bsize)
    expect(size.availableBytes).toBeLessThanOrEqual(size.freeBytes)
    const text = await cli.run(["df", url(server)])
    expect(text.stdout).toMatch(new RegExp(`^total +${size.totalBytes} \\(.+\\)\navailable +\\d+ .*\nfree +\\d+ `))
  })

  it("a refused logon without a password says where a password can come from", async () => {
    const server = servers.default
    const result = await cli.run(["info", `smb://${server.user}@${server.host}:${server.port}/${server.share}`], { SMB_PASSWORD: "" })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(/^smb: SESSION_SETUP failed: STATUS_LOGON_FAILURE .*: no password was given for smbuser \(put it in SMB_PASSWORD/)
  })

  it("prints one JSON object with the negotiated properties (3.1.1, defaults)", async () => {
    const server = servers.default
    const info = await infoJson([url(server)])
    expect(info).toMatchObject({
      host: server.host,
      port: server.port,
      dialect: "3.1.1",
      // the default server neither requires signing nor encryption: the session does neither
      // (the cipher is only offered: `encryption` names the cipher in force)
      signing: null,
      encryption: null,
      signingRequired: false,
      encrypted: false,
      negotiatedSigning: "AES-128-GMAC",
      negotiatedCipher: "AES-128-GCM",
      authenticated: true,
      guest: false,
      share: { name: server.share, type: "disk", encrypted: false },
      worker: "parallel-fiber"
    })
    for (const size of ["maxReadSize", "maxWriteSize", "maxTransactSize"]) expect(info[size]).toBeGreaterThanOrEqual(65536)
    expect(info.capabilities).toEqual(expect.arrayContaining(["LARGE_MTU"]))
    expect(info.serverGuid).toMatch(/^[0-9a-f]{32}$/)
    expect(JSON.stringify(info)).not.toContain(server.password)
  })

  it("reports the signing algorithm the session uses: 3.0 signs with AES-128-CMAC, 2.1 with HMAC-SHA256", async () => {
    const [v30, signing30, v21] = await Promise.all([
      infoJson(["--max-dialect", "3.0", "--sign", "required", url(servers.default)]),
      infoJson(["--min-dialect", "3.0", "--max-dialect", "3.0", url(servers.signing)]),
      infoJson(["--max-dialect", "2.1", "--sign", "required", "--worker", "single", url(servers.default)])
    ])
    expect(v30).toMatchObject({ dialect: "3.0", signing: "AES-128-CMAC", signingRequired: true, encrypted: false })
    expect(signing30).toMatchObject({ dialect: "3.0", signing: "AES-128-CMAC", signingRequired: true })
    expect(v21).toMatchObject({ dialect: "2.1", signing: "HMAC-SHA256", encryption: null, encrypted: false, worker: "single" })
    expect([v30.worker, signing30.worker]).toEqual(["parallel-fiber", "parallel-fiber"])
  })

  it("encrypts with the cipher asked for (--cipher in lower case), and says so", async () => {
    const [gcm256, ccm] = await Promise.all([
      infoJson(["--cipher", "aes-256-gcm", url(servers.encrypt)]),
      infoJson(["--encrypt", "required", "--cipher", "aes-128-ccm", url(servers.default, { share: null })])
    ])
    expect(gcm256).toMatchObject({ dialect: "3.1.1", encryption: "AES-256-GCM", encrypted: true, signing: null })
    expect(ccm).toMatchObject({ encryption: "AES-128-CCM", encrypted: true, share: null })
  })

  it("runs the connection in a worker thread with --worker thread (signed and encrypted sessions)", async () => {
    const [signed, encrypted] = await Promise.all([
      infoJson(["--worker", "thread", url(servers.signing)]),
      infoJson(["--worker", "thread", "--cipher", "aes-128-gcm", url(servers.encrypt)])
    ])
    expect(signed).toMatchObject({ dialect: "3.1.1", signing: "AES-128-GMAC", signingRequired: true, worker: "parallel-thread" })
    expect(encrypted).toMatchObject({ encryption: "AES-128-GCM", encrypted: true, worker: "parallel-thread" })
  })

  it("negotiates only when the URL has no user; takes a domain, and the password from SMB_PASSWORD", async () => {
    const server = servers.default
    const [anonymous, fromEnv] = await Promise.all([
      infoJson([`smb://${server.host}:${server.port}/${server.share}`]),
      infoJson(["--sign", "required", `smb://WORKGROUP;${server.user}@${server.host}:${server.port}/${server.share}`], {
        SMB_PASSWORD: server.password
      })
    ])
    expect(anonymous).toMatchObject({ dialect: "3.1.1", authenticated: false, signing: null, encrypted: false, share: null })
    expect(fromEnv).toMatchObject({ authenticated: true, signing: "AES-128-GMAC", share: { name: server.share } })
  })

  it("prints aligned text without --json", async () => {
    const result = await cli.run(["info", "--max-dialect", "3.0.2", url(servers.default)])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^dialect +3\.0\.2$/m)
    expect(result.stdout).toMatch(/^signing +-$/m)
    expect(result.stdout).not.toContain(servers.default.password)
  })

  it("fails with one line: a wrong password, a bad share, a server that refuses 2.1", async () => {
    const server = servers.default
    const [logon, share, refused] = await Promise.all([
      cli.run(["info", url(server, { password: "wrong-Secret-1" })]),
      cli.run(["info", url(server, { share: "no-such-share" })]),
      cli.run(["info", "--max-dialect", "2.1", url(servers.encrypt)])
    ])
    expect(oneLineFailure(logon, 1)).toMatch(/^smb: SESSION_SETUP failed: STATUS_LOGON_FAILURE \(0xc000006d\)$/)
    expect(logon.stderr).not.toContain("wrong-Secret-1")
    expect(oneLineFailure(share, 1)).toMatch(/^smb: TREE_CONNECT failed: STATUS_BAD_NETWORK_NAME \(0xc00000cc\)$/)
    expect(oneLineFailure(refused, 1)).toMatch(/^smb: SESSION_SETUP failed: STATUS_ACCESS_DENIED/)
  })

  it("adds the stack trace with --verbose, never the password", async () => {
    const result = await cli.run(["info", "--verbose", url(servers.default, { password: "wrong-Secret-2" })])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("smb: SESSION_SETUP failed: STATUS_LOGON_FAILURE")
    expect(result.stderr).toMatch(/^smb: negotiated SMB 3\.1\.1/m)
    expect(result.stderr).toMatch(/^\s+at /m)
    expect(result.stderr).not.toContain("wrong-Secret-2")
  })
})

describe("smb help", () => {
  it("reads as a command's help: usage lines start with smb, no placeholder text, no colour into a pipe", async () => {
    for (const args of [["put", "--help"], ["--help"], ["info", "-h"]]) {
      const result = await cli.run(args)
      expect(result.code).toBe(0)
      expect(result.stdout).not.toMatch(/\x1b/)
      expect(result.stdout).not.toContain("A user-defined piece of text")
      const usage = result.stdout.split("\n").filter((line) => line.startsWith("$ "))
      expect(usage.length).toBeGreaterThan(0)
      expect(usage.every((line) => line.startsWith("$ smb"))).toBe(true)
    }
    expect((await cli.run(["put", "--help"])).stdout).toContain("$ smb put [")
  })
})

describe("smb info: command-line errors", () => {
  it("refuses bad URLs and bad option values with one line and exit code 2", async () => {
    const results = await Promise.all([
      cli.run(["info", "smb://alice:Secret-3@host:99999/share"]),
      cli.run(["info", "http://host/share"]),
      cli.run(["info", "--cipher", "aes-512-gcm", "smb://host"]),
      cli.run(["info", "--timeout", "soon", "smb://host"]),
      cli.run(["info", "--min-dialect", "3.1.1", "--max-dialect", "2.1", "smb://host"]),
      cli.run(["info", "smb://host", "smb://alice:Secret-4@host/share"])
    ])
    const lines = results.map((result) => oneLineFailure(result, 2))
    expect(lines).toEqual([
      "smb: bad URL: the port must be a number from 1 to 65535",
      expect.stringMatching(/^smb: bad URL: expected smb:\/\//),
      expect.stringMatching(/^smb: --cipher expects AES-128-GCM/),
      expect.stringMatching(/^smb: --timeout expects a positive duration/),
      "smb: --min-dialect 3.1.1 is above --max-dialect 2.1",
      "smb: Received unknown argument: 'smb://alice:***@host/share'"
    ])
  })
})

describe("smb info against a server that never answers", () => {
  let server: Server
  const connected: Array<() => void> = []
  const sockets = new Set<Socket>()
  beforeAll(async () => {
    // Accepts and never answers, so that the tool waits in NEGOTIATE until interrupted.
    server = createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      for (const notify of connected.splice(0)) notify()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it("interrupts a request on SIGINT, quietly, with exit code 130", async () => {
    const { port } = server.address() as { port: number }
    const socketOpen = new Promise<void>((resolve) => connected.push(resolve))
    const run = cli.start(["info", `smb://127.0.0.1:${port}`])
    await socketOpen
    run.kill("SIGINT")
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe("")
  })

  it("gives up after --timeout, with both workers", async () => {
    const { port } = server.address() as { port: number }
    const results = await Promise.all(
      ["fiber", "single"].map((worker) => cli.run(["info", "--worker", worker, "--timeout", "300 millis", `smb://127.0.0.1:${port}`]))
    )
    for (const result of results) {
      expect(oneLineFailure(result, 1)).toBe("smb: timed out after 300 ms waiting for Receive (message id 0)")
    }
  })
})
