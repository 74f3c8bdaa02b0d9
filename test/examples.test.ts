/**
 * The README's code samples are the programs in examples/ (which typecheck with the project):
 * every ```ts block must be byte-identical to the file its first line names. The testing example,
 * which needs no server, must run and show what it claims; every other example runs as its own
 * process against the harness's Samba, named by SMB_URL and SMB_PASSWORD, and must print what it
 * claims. quickstart.ts runs as the README says (`npx vite-node examples/quickstart.ts`, importing
 * "effect-smb" by name); the others run from one esbuild bundle of them all, resolving
 * "effect-smb" by the same export condition, which is the same program for a tenth of the CPU
 * (vite-node transforms the sources anew in every process: about 4 s each).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { build } from "esbuild"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { program } from "../examples/testing.js"
import type { SambaInstance } from "./support/samba/index.js"
import { describeSamba } from "./support/samba/index.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(`${root}README.md`, "utf8")
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)
const examples = readdirSync(`${root}examples`).filter((name) => name.endsWith(".ts"))

describe("README code samples", () => {
  it("has ts blocks", () => {
    expect(blocks.length).toBeGreaterThan(0)
  })

  for (const [i, block] of blocks.entries()) {
    const named = /^\/\/ (examples\/[\w.-]+\.ts)\n/.exec(block)?.[1]
    it(`block ${i + 1} (${named ?? "unnamed"}) is its example file, byte for byte`, () => {
      expect(named, "the block's first line must name its file: // examples/<name>.ts").toBeDefined()
      expect(block).toBe(readFileSync(`${root}${named}`, "utf8"))
    })
  }

  it("every example starts with the comment that names it", () => {
    for (const name of examples) {
      expect(readFileSync(`${root}examples/${name}`, "utf8").startsWith(`// examples/${name}\n`)).toBe(true)
    }
  })

  it("the examples import effect-smb by name, never the sources", () => {
    for (const name of examples) {
      expect(readFileSync(`${root}examples/${name}`, "utf8"), name).not.toMatch(/from "\.\.\/src\//)
    }
  })
})

describe("examples/testing.ts", () => {
  it.live("runs against the fake server", () =>
    Effect.gen(function*() {
      const result = yield* program.pipe(Effect.timeout("10 seconds"))
      expect(result.manyInFlight).toBe(100)
      expect(result.refused).toBe("STATUS_NOT_SUPPORTED")
      expect(result.scripted).toEqual({ fast: 1n, slow: 0n, slowWasAsync: true })
    }))
})

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The examples other than quickstart.ts, bundled: `<bundled>/<name>.js`. */
let bundled = ""
const bundledExamples = ["dfs", "config", "watch"]

/**
 * Runs `examples/<name>` with `env` on top of this process's environment minus any SMB_*
 * variable of the caller's: with vite-node, as the README says, or its bundle with node.
 * `whileRunning` gets a function that resolves once stdout contains a text.
 */
const runExample = async (
  name: string,
  env: Record<string, string>,
  whileRunning?: (waitFor: (text: string) => Promise<void>, exited: () => boolean) => Promise<void>
): Promise<Ran> => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("SMB_")))
  const base = name.replace(/\.ts$/, "")
  const [command, args] = bundledExamples.includes(base)
    ? [process.execPath, [join(bundled, `${base}.js`)]]
    : [join(root, "node_modules", ".bin", "vite-node"), [`examples/${name}`]]
  const child = spawn(command, args, {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  let exited = false
  child.stdout.on("data", (data) => (stdout += data))
  child.stderr.on("data", (data) => (stderr += data))
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code) => {
      exited = true
      resolve({ code, stdout, stderr })
    })
  )
  const timer = setTimeout(() => child.kill("SIGKILL"), 45_000)
  try {
    if (whileRunning !== undefined) {
      const waitFor = async (text: string) => {
        while (!stdout.includes(text)) {
          if (exited) throw new Error(`${name} exited before printing "${text}":\n${stdout}\n${stderr}`)
          await sleep(50)
        }
      }
      await whileRunning(waitFor, () => exited)
    }
    return await done
  } finally {
    clearTimeout(timer)
    if (!exited) child.kill("SIGKILL")
  }
}

const urlOf = (server: SambaInstance, withPassword: boolean) =>
  `smb://${server.user}${withPassword ? `:${encodeURIComponent(server.password)}` : ""}@${server.host}:${server.port}/${server.share}`

describeSamba("the examples against Samba, from SMB_URL", (servers) => {
  const server = servers.default

  beforeAll(async () => {
    bundled = mkdtempSync(join(tmpdir(), "effect-smb-examples-"))
    await build({
      entryPoints: bundledExamples.map((name) => join(root, "examples", `${name}.ts`)),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outdir: bundled,
      conditions: ["effect-smb-source"],
      logLevel: "error",
      // Some dependencies are CommonJS and call require(); an ESM bundle has to provide it.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
    })
  })
  afterAll(() => rmSync(bundled, { recursive: true, force: true }))

  it("every example is run here", () => {
    expect(examples.sort()).toEqual(["config.ts", "dfs.ts", "quickstart.ts", "server.ts", "testing.ts", "watch.ts"])
  })

  describe.concurrent("run as programs", () => {
    it("quickstart.ts: writes, reads back, lists, and catches a typed error", async () => {
      const ran = await runExample("quickstart.ts", { SMB_URL: urlOf(server, false), SMB_PASSWORD: server.password })
      expect(ran.stderr).toBe("")
      expect(ran.code).toBe(0)
      expect(ran.stdout).toContain("read back: Hello over SMB3\n")
      expect(ran.stdout).toMatch(/^- +15 hello\.txt$/m)
      expect(ran.stdout).toContain("no such file: STATUS_OBJECT_NAME_NOT_FOUND\n")
      expect(readFileSync(join(server.sharePath, "hello.txt"), "utf8")).toBe("Hello over SMB3")
    }, 60_000)

    it("dfs.ts: a file read through a Dfs tree (a share outside any namespace is read as it is)", async () => {
      writeFileSync(join(server.sharePath, "dfs-example.txt"), "twelve bytes")
      const ran = await runExample("dfs.ts", { SMB_URL: urlOf(server, false), SMB_PASSWORD: server.password, SMB_FILE: "dfs-example.txt" })
      expect(ran.stderr).toBe("")
      expect(ran.code).toBe(0)
      expect(ran.stdout).toBe("dfs-example.txt: 12 bytes\n")
    }, 60_000)

    it("config.ts: the password in the URL, the other options from the environment", async () => {
      const ran = await runExample("config.ts", { SMB_URL: urlOf(server, true), SMB_ENCRYPTION: "required", SMB_MAX_DIALECT: "3.0.2" })
      expect(ran.stderr).toBe("")
      expect(ran.code).toBe(0)
      expect(ran.stdout).toBe(
        "SMB 3.0.2, cipher AES-128-CCM, signing AES-128-CMAC\n" +
          `session encrypted: true, share ${server.share} encrypted: true\n`
      )
    }, 60_000)

    it("watch.ts: prints the changes made in inbox/, and stops after five", async () => {
      const inbox = join(server.sharePath, "inbox")
      const ran = await runExample("watch.ts", { SMB_URL: urlOf(server, false), SMB_PASSWORD: server.password }, async (waitFor, exited) => {
        await waitFor("watching inbox/")
        // Changes made on the server's disk reach the watch as well (smbd watches with inotify).
        for (let i = 0; !exited() && i < 200; i++) {
          if (existsSync(inbox)) writeFileSync(join(inbox, `example-${process.pid}-${i}.txt`), "x")
          await sleep(100)
        }
      })
      expect(ran.stderr).toBe("")
      expect(ran.code).toBe(0)
      expect(ran.stdout).toMatch(/^added: example-\d+-\d+\.txt$/m)
      expect(ran.stdout).toContain("done after 5 change(s)\n")
    }, 60_000)
  })
})
