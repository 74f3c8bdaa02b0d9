/**
 * The `smb` tool against the AD DC with Kerberos: `--auth kerberos --kdc ... --resolve
 * dc1.example.test=ADDRESS` with the user as user@REALM (percent-encoded in the URL) or as
 * REALM;user, and `smb info --json` saying "auth": "kerberos" (or "ntlm").
 */
import { beforeAll, expect, it } from "@effect/vitest"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import { describeAddc } from "../support/addc/index.js"

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
})
