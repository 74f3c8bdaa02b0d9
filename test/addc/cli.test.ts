/**
 * The `smb` tool against the AD DC with Kerberos: `--auth kerberos --kdc ... --resolve
 * dc1.example.test=ADDRESS` with the user as user@REALM (percent-encoded in the URL) or as
 * REALM;user, and `smb info --json` saying "auth": "kerberos" (or "ntlm"); a keytab written by
 * MIT ktutil with --keytab and --realm, or KRB5_CLIENT_KTNAME and SMB_REALM, and no password.
 */
import { beforeAll, expect, it } from "@effect/vitest"
import { rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import { describeAddc } from "../support/addc/index.js"
import { run } from "../support/samba/exec.js"

let cli: Cli
beforeAll(async () => {
  cli = await bundleCli()
})

describeAddc("smb with Kerberos against the AD DC", (dc) => {
  const resolve = `--resolve=${dc.hostname}=${dc.address}`
  const env = { SMB_PASSWORD: dc.password, KRB5_CONFIG: dc.krb5Conf, KRB5CCNAME: `FILE:${join(dc.workdir, "none.ccache")}` }

  it("info --json: user@REALM with --kdc reports auth kerberos", async () => {
    const result = await cli.run(
      ["info", "--json", "--auth", "kerberos", "--kdc", dc.address, resolve, `smb://${dc.user}%40${dc.realm}@${dc.hostname}/${dc.share}`],
      env
    )
    expect(result.stderr).toBe("")
    expect(JSON.parse(result.stdout)).toMatchObject({ auth: "kerberos", signingRequired: true, share: { name: dc.share } })
  })

  it("REALM;user with the KDC from krb5.conf (auto), and ntlm when asked for", async () => {
    const url = `smb://${dc.realm};${dc.user}@${dc.hostname}/${dc.share}`
    const kerberos = await cli.run(["info", "--json", resolve, url], env)
    expect(kerberos.stderr).toBe("")
    expect(JSON.parse(kerberos.stdout)).toMatchObject({ auth: "kerberos" })
    const ntlm = await cli.run(["info", "--json", "--auth", "ntlm", resolve, `smb://${dc.domain};${dc.user}@${dc.hostname}/${dc.share}`], env)
    expect(ntlm.stderr).toBe("")
    expect(JSON.parse(ntlm.stdout)).toMatchObject({ auth: "ntlm" })
  })

  it("get through Kerberos", async () => {
    await writeFile(join(dc.sharePath, "cli-kerberos.txt"), "over kerberos\n")
    const result = await cli.run(["get", "--auth", "kerberos", resolve, `smb://${dc.realm};${dc.user}@${dc.hostname}/${dc.share}/cli-kerberos.txt`, "-"], env)
    expect(result.stderr).toBe("")
    expect(result.stdout).toBe("over kerberos\n")
  })

  it("--keytab and --realm, or KRB5_CLIENT_KTNAME and SMB_REALM: Kerberos from the keytab, no password asked for", async () => {
    const keytab = join(dc.workdir, `cli-${process.pid}.keytab`)
    const script = `addent -password -p ${dc.user}@${dc.realm} -k 1 -e aes256-cts-hmac-sha1-96\n${dc.password}\nwkt ${keytab}\nquit\n`
    const ktutil = await run("ktutil", [], { input: script, env: { ...process.env, KRB5_CONFIG: dc.krb5Conf } })
    expect(ktutil.code, ktutil.stderr).toBe(0)
    // A krb5.conf with no default_realm: the realm must come from --realm or SMB_REALM.
    const krb5Conf = join(dc.workdir, `no-default-realm-${process.pid}.conf`)
    await writeFile(krb5Conf, `[realms]\n\t${dc.realm} = {\n\t\tkdc = ${dc.address}:88\n\t}\n`)
    try {
      const url = `smb://${dc.user}@${dc.hostname}/${dc.share}`
      const noPassword = { KRB5_CONFIG: krb5Conf, KRB5CCNAME: env.KRB5CCNAME }
      const options = await cli.run(["info", "--json", "--keytab", keytab, "--realm", dc.realm.toLowerCase(), resolve, url], noPassword)
      expect(options.stderr).toBe("")
      expect(JSON.parse(options.stdout)).toMatchObject({ auth: "kerberos" })
      const fromEnv = await cli.run(["info", "--json", resolve, url], { ...noPassword, KRB5_CLIENT_KTNAME: `FILE:${keytab}`, SMB_REALM: dc.realm })
      expect(fromEnv.stderr).toBe("")
      expect(JSON.parse(fromEnv.stdout)).toMatchObject({ auth: "kerberos" })
    } finally {
      await Promise.all([rm(keytab, { force: true }), rm(krb5Conf, { force: true })])
    }
  })
})
