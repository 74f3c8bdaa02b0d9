/**
 * Names with control characters, as a server may send them, printed by `smb ls` and `smb watch`
 * (src/cli/Escape.ts). Samba refuses such names from clients (STATUS_OBJECT_NAME_INVALID), and
 * by default lists a file that has one under a mangled 8.3 name: so the file is made on the
 * share's disk, and served by a private Samba with `mangled names = no`, which sends the name
 * as it is.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, startSamba, stopSamba } from "../support/samba/index.js"
import type { Cli } from "./cliProcess.js"
import { bundleCli } from "./cliProcess.js"

const hostile = "red\x1b[31m\nforged line\u202egpj.exe"
const escaped = "red\\x1b[31m\\nforged line\\u202egpj.exe"

describeSamba("smb ls and watch print server-supplied names escaped", () => {
  let cli: Cli
  let server: SambaInstance
  beforeAll(async () => {
    ;[cli, server] = await Promise.all([bundleCli(), startSamba({ extraGlobal: ["mangled names = no"] })])
    await mkdir(join(server.sharePath, "listed"))
    await writeFile(join(server.sharePath, "listed", hostile), "x")
    await mkdir(join(server.sharePath, "watched"))
  })
  afterAll(() => server === undefined ? undefined : stopSamba(server))

  const url = (path: string) =>
    `smb://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${server.share}/${path}`

  it("ls: escaped in text (one line), exact in JSON (escaped there too)", async () => {
    const [text, json] = await Promise.all([cli.run(["ls", url("listed")]), cli.run(["ls", "--json", url("listed")])])
    expect([text.code, text.stderr, json.code, json.stderr]).toEqual([0, "", 0, ""])
    expect(text.stdout).toMatch(new RegExp(`^- +1 +\\S+  ${escaped.replace(/[\\[\]]/g, "\\$&")}\n$`))
    expect(json.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/)
    expect(JSON.parse(json.stdout)).toMatchObject({ name: hostile, path: `listed/${hostile}` })
  })

  it("watch: escaped in text, one line per change", async () => {
    const watch = cli.start(["watch", url("watched")])
    // The watch arms its first CHANGE_NOTIFY some time after start: keep making changes until one shows.
    let n = 0
    const changes = setInterval(() => {
      n += 1
      void writeFile(join(server.sharePath, "watched", `${hostile}-${n}`), "x").catch(() => {})
    }, 200)
    try {
      await watch.waitForStdout("\n")
    } finally {
      clearInterval(changes)
    }
    watch.kill("SIGINT")
    const result = await watch.done
    expect([result.code, result.stderr]).toEqual([130, ""])
    const lines = result.stdout.trimEnd().split("\n")
    for (const line of lines) expect(line).toMatch(new RegExp(`^(added|modified) ${escaped.replace(/[\\[\]]/g, "\\$&")}-\\d+$`))
  })
})
