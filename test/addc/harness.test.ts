/**
 * Checks the AD DC harness itself: the DC globalSetup started issues tickets to MIT kinit (with
 * the krb5.conf it wrote) and logs which mechanism authenticated an SMB logon.
 */
import { expect, it } from "@effect/vitest"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { describeAddc } from "../support/addc/index.js"
import { run } from "../support/samba/exec.js"

describeAddc("addc harness", (dc) => {
  it("binds one address in 127.0.0.0/8 and names its realm's KDC in its krb5.conf", async () => {
    expect(dc.address).toMatch(/^127\./)
    expect(await readFile(dc.krb5Conf, "utf8")).toContain(`kdc = ${dc.address}:88`)
  })

  it("issues a TGT to kinit", async () => {
    const cache = join(dc.workdir, "harness.ccache")
    const env = { ...process.env, KRB5_CONFIG: dc.krb5Conf, KRB5CCNAME: `FILE:${cache}` }
    const kinit = await run("kinit", [`${dc.user}@${dc.realm}`], { env, input: `${dc.password}\n` })
    expect(kinit.stderr).toBe("")
    expect(kinit.code).toBe(0)
    const klist = await run("klist", [], { env })
    expect(klist.stdout).toContain(`krbtgt/${dc.realm}@${dc.realm}`)
    await rm(cache, { force: true })
  })

  it("logs an NTLM logon as [SMB2,NTLMSSP] (auth_audit)", async () => {
    const result = await run("smbclient", [`//${dc.address}/${dc.share}`, "-U", `${dc.domain}\\${dc.user}%${dc.password}`, "-c", "ls"])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const log = await readFile(dc.logPath, "utf8")
    expect(log).toMatch(new RegExp(`Auth: \\[SMB2,NTLMSSP\\] user \\[${dc.domain}\\]\\\\\\[${dc.user}\\]`))
  })
})
