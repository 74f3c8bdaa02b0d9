/**
 * Runs the `smb` tool as a user would: a separate node process with arguments, environment and
 * signals. The tool is bundled once per test file with esbuild (well under a second) rather than
 * built with `npm run build` (tsc over the whole project takes 10 to 20 s); the bundle is the
 * same source, and main.ts keeps the shebang that tsc carries over to dist/cli/main.js.
 */
import { spawn } from "node:child_process"
import { chmod, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { build } from "esbuild"

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stdoutBytes: Buffer
  readonly stderr: string
}

export interface CliRun {
  /** Resolves when the process has exited. */
  readonly done: Promise<CliResult>
  /** Resolves once stdout contains `text`. */
  readonly waitForStdout: (text: string) => Promise<void>
  readonly kill: (signal: NodeJS.Signals) => void
}

/** Another user to run as (the test runs as root); the bundle is readable by everyone. */
export interface User {
  readonly uid: number
  readonly gid: number
}

export interface Cli {
  /** The bundle, for running it some other way (in a pseudo-terminal, say). */
  readonly main: string
  readonly start: (args: ReadonlyArray<string>, env?: Readonly<Record<string, string>>, as?: User) => CliRun
  readonly run: (args: ReadonlyArray<string>, env?: Readonly<Record<string, string>>, as?: User) => Promise<CliResult>
  readonly dispose: () => Promise<void>
}

/** Bundles src/cli/main.ts into a temporary directory. */
export const bundleCli = async (): Promise<Cli> => {
  const dir = await mkdtemp(join(tmpdir(), "effect-smb-cli-"))
  const main = join(dir, "main.mjs")
  // The thread backend looks for its entry next to the module that spawns it: here, the bundle.
  await build({
    entryPoints: [new URL("../../src/connection/threadEntry.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: join(dir, "threadEntry.js"),
    logLevel: "error",
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
  await build({
    entryPoints: [new URL("../../src/cli/main.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: main,
    logLevel: "error",
    // Some dependencies are CommonJS and call require(); an ESM bundle has to provide it.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })

  await chmod(dir, 0o755)

  const start = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}, as?: User): CliRun => {
    // Only what node needs: no SMB_PASSWORD or CI settings leak in from the test run.
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...as
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    const watchers: Array<() => void> = []
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk)
      for (const check of watchers.slice()) check()
    })
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on("error", reject)
      child.on("close", (code, signal) => {
        const stdoutBytes = Buffer.concat(out)
        resolve({ code, signal, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr: Buffer.concat(err).toString("utf8") })
      })
    })
    const waitForStdout = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (Buffer.concat(out).toString("utf8").includes(text)) {
            watchers.splice(watchers.indexOf(check), 1)
            resolve()
          }
        }
        watchers.push(check)
        check()
        done.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)}`)), reject)
      })
    return { done, waitForStdout, kill: (signal) => child.kill(signal) }
  }

  return {
    main,
    start,
    run: (args, env, as) => start(args, env, as).done,
    dispose: () => rm(dir, { recursive: true, force: true })
  }
}
