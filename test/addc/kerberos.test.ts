/**
 * Kerberos against the Samba AD DC (test/support/addc): a logon from a password (AS with
 * encrypted-timestamp pre-authentication, TGS for cifs/dc1.example.test, AP-REQ with mutual
 * authentication) on a DC that requires signing, from a ticket cache written by MIT kinit and
 * from a keytab written by MIT ktutil; aes128-only and rc4-hmac-only logons; an encrypted
 * session; the KDC's refusals as typed errors (wrong password, unknown principal, clock skew,
 * no KDC); and a Kerberos-only DC (`ntlm auth = disabled`) that refuses NTLM while Kerberos
 * works. The DC's auth_audit log shows which mechanism authenticated each logon.
 */
import { expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import type { KerberosOptions } from "../../src/auth/kerberos/Kerberos.js"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import type { AddcInstance } from "../support/addc/index.js"
import { describeAddc, startAddc, stopAddc } from "../support/addc/index.js"
import { run } from "../support/samba/exec.js"

const logon = (dc: AddcInstance, options: { user?: string; password?: string; auth?: "kerberos" | "ntlm" | "auto"; kerberos?: KerberosOptions }) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: dc.hostname, hosts: { [dc.hostname]: dc.address } }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(
      connection,
      Session.user(options.user ?? `${dc.user}@${dc.realm}`, Redacted.make(options.password ?? dc.password), dc.domain),
      { auth: options.auth ?? "kerberos", kerberos: { ccache: false, ...options.kerberos } }
    )
    return { connection, session }
  })

const kerberosReason = (exit: Exit.Exit<unknown, unknown>) => {
  expect(Exit.isFailure(exit)).toBe(true)
  const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { reason: string; cause?: { reason: string; skewMillis?: number } }) : undefined
  expect(error?.reason).toBe("Kerberos")
  return error!.cause!
}

const authLines = async (dc: AddcInstance, mechanism: "krb5" | "NTLMSSP") =>
  (await readFile(dc.logPath, "utf8")).split("\n").filter((line) => line.includes(`Auth: [SMB2,${mechanism}]`) || line.includes(`AuthZ: [SMB2,${mechanism}]`))

describeAddc("Kerberos against the AD DC", (dc) => {
  it.scopedLive("from a password: AS + TGS + AP-REQ, mutual auth, a signed session; files work", () =>
    Effect.gen(function*() {
      const before = (yield* Effect.promise(() => authLines(dc, "krb5"))).length
      const { session } = yield* logon(dc, { kerberos: { kdc: [dc.address] } })
      expect(session.auth).toBe("kerberos")
      expect(session.signingRequired).toBe(true)
      const tree = yield* Tree.make(session, dc.share)
      yield* Files.writeFile(tree, "kerberos.txt", new TextEncoder().encode("hello over kerberos"))
      expect(new TextDecoder().decode(yield* Files.readFile(tree, "kerberos.txt"))).toBe("hello over kerberos")
      const after = yield* Effect.promise(() => authLines(dc, "krb5"))
      expect(after.length).toBeGreaterThan(before)
    }))

  for (const [name, etype] of [["aes128-cts-hmac-sha1-96", 17], ["rc4-hmac", 23]] as const) {
    it.scopedLive(`${name} only`, () =>
      Effect.gen(function*() {
        const { session } = yield* logon(dc, { kerberos: { kdc: [dc.address], encTypes: [etype] } })
        expect(session.auth).toBe("kerberos")
        expect(session.signingRequired).toBe(true)
      }))
  }

  it.scopedLive("with encryption required: the session is encrypted", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Connection.layer({ host: dc.hostname, hosts: { [dc.hostname]: dc.address }, encryption: "required" }))
      const connection = Context.get(context, Connection.Connection)
      const session = yield* Session.make(connection, Session.user(`${dc.user}@${dc.realm}`, Redacted.make(dc.password)), {
        auth: "kerberos",
        kerberos: { kdc: [dc.address], ccache: false }
      })
      expect(session.encrypted).toBe(true)
      const tree = yield* Tree.make(session, dc.share)
      yield* Files.writeFile(tree, "encrypted.txt", new Uint8Array([1, 2, 3]))
      expect(Array.from(yield* Files.readFile(tree, "encrypted.txt"))).toEqual([1, 2, 3])
    }))

  it.scopedLive("the realm and KDC from krb5.conf (KRB5_CONFIG's format), the user as user@REALM", () =>
    Effect.gen(function*() {
      const { session } = yield* logon(dc, { kerberos: { krb5Conf: dc.krb5Conf } })
      expect(session.auth).toBe("kerberos")
    }))

  it.scopedLive("over TCP only", () =>
    Effect.gen(function*() {
      const { session } = yield* logon(dc, { kerberos: { kdc: [dc.address], kdcProtocol: "tcp" } })
      expect(session.auth).toBe("kerberos")
    }))

  it.scopedLive("from a ticket cache written by kinit, with no password", () =>
    Effect.gen(function*() {
      const cache = join(dc.workdir, `kinit-${process.pid}.ccache`)
      const env = { ...process.env, KRB5_CONFIG: dc.krb5Conf, KRB5CCNAME: `FILE:${cache}` }
      const kinit = yield* Effect.promise(() => run("kinit", [`${dc.user}@${dc.realm}`], { env, input: `${dc.password}\n` }))
      expect(kinit.code, kinit.stderr).toBe(0)
      yield* Effect.addFinalizer(() => Effect.promise(() => rm(cache, { force: true })))
      const { session } = yield* logon(dc, { user: dc.user, password: "", kerberos: { ccache: cache, krb5Conf: dc.krb5Conf } })
      expect(session.auth).toBe("kerberos")
      const tree = yield* Tree.make(session, dc.share)
      expect(tree.id).not.toBe(0)
    }))

  it.scopedLive("from a keytab written by MIT ktutil, with no password", () =>
    Effect.gen(function*() {
      const keytab = join(dc.workdir, `ktutil-${process.pid}.keytab`)
      const script = `addent -password -p ${dc.user}@${dc.realm} -k 1 -e aes256-cts-hmac-sha1-96\n${dc.password}\nwkt ${keytab}\nquit\n`
      const ktutil = yield* Effect.promise(() => run("ktutil", [], { input: script, env: { ...process.env, KRB5_CONFIG: dc.krb5Conf } }))
      expect(ktutil.code, ktutil.stderr).toBe(0)
      yield* Effect.addFinalizer(() => Effect.promise(() => rm(keytab, { force: true })))
      const { session } = yield* logon(dc, { password: "", kerberos: { keytab, kdc: [dc.address] } })
      expect(session.auth).toBe("kerberos")
    }))

  it.scopedLive("auto: Kerberos when a realm is named and the server offers it; NTLM otherwise", () =>
    Effect.gen(function*() {
      const kerberos = yield* logon(dc, { auth: "auto", kerberos: { kdc: [dc.address] } })
      expect(kerberos.session.auth).toBe("kerberos")
      const ntlm = yield* logon(dc, { auth: "auto", user: dc.user })
      expect(ntlm.session.auth).toBe("ntlm")
    }))

  it.scopedLive("wrong password: WrongPassword", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(logon(dc, { password: "not-the-password", kerberos: { kdc: [dc.address] } }))
      expect(kerberosReason(exit).reason).toBe("WrongPassword")
    }))

  it.scopedLive("unknown user: UnknownPrincipal", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(logon(dc, { user: `nobody@${dc.realm}`, kerberos: { kdc: [dc.address] } }))
      expect(kerberosReason(exit).reason).toBe("UnknownPrincipal")
    }))

  it.scopedLive("a client clock an hour ahead: ClockSkew, with the skew measured", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(logon(dc, { kerberos: { kdc: [dc.address], clockOffsetMillis: 3_600_000 } }))
      const error = kerberosReason(exit)
      expect(error.reason).toBe("ClockSkew")
      expect(Math.abs(error.skewMillis! + 3_600_000)).toBeLessThan(10_000)
    }))

  it.scopedLive("no KDC answering: NoKdc", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(logon(dc, { kerberos: { kdc: [`${dc.address}:1`], timeoutMillis: 300 } }))
      expect(kerberosReason(exit).reason).toBe("NoKdc")
    }))

  it.scopedLive("the password appears in no error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(logon(dc, { password: "Secret-Wrong-1", kerberos: { kdc: [dc.address] } }))
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").not.toContain("Secret-Wrong-1")
      expect(Exit.isFailure(exit) ? JSON.stringify(Cause.squash(exit.cause)) : "").not.toContain("Secret-Wrong-1")
    }))
})

describeAddc("a Kerberos-only DC (ntlm auth = disabled)", () => {
  let dc: AddcInstance | undefined
  it("starts", async () => {
    dc = await startAddc({ ntlm: false })
  }, 120_000)

  it.scopedLive("refuses NTLM and accepts Kerberos", () =>
    Effect.gen(function*() {
      const server = dc!
      const ntlm = yield* Effect.exit(logon(server, { auth: "ntlm", user: server.user }))
      expect(Exit.isFailure(ntlm)).toBe(true)
      // STATUS_NTLM_BLOCKED
      expect(Exit.isFailure(ntlm) && ntlm.cause._tag === "Fail" ? (ntlm.cause.error as { status?: number }).status : undefined).toBe(0xc0000418)
      const { session } = yield* logon(server, { kerberos: { kdc: [server.address] } })
      expect(session.auth).toBe("kerberos")
      expect((yield* Effect.promise(() => authLines(server, "NTLMSSP"))).join("\n")).toContain("NT_STATUS_NTLM_BLOCKED")
    }))

  it("stops", async () => {
    if (dc !== undefined) await stopAddc(dc)
  })
})
