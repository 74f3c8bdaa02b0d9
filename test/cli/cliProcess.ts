/**
 * Runs the `smb` tool as a user would: a separate node process with arguments, environment and
 * signals. The command is laid out as it is published (the loader, the minified bundle with its
 * code cache, the thread entry beside them: scripts/bundle-entries.mjs), bundled from the sources
 * once per test process rather than built with `npm run build` (tsc over the whole project takes
 * 10 to 20 s). Test files share a process's modules (vitest's `isolate: false`), so they share
 * the bundle too; it is removed when the process ends.
 */
import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundleCommand } from "../../scripts/bundle-entries.mjs"
import { whenProcessEnds } from "../support/processEnd.js"

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
}

let bundled: Promise<string> | undefined

/** The command's bin in a temporary directory: `<dir>/dist/cli/main.js`, `<dir>/package.json`. */
const bundle = (): Promise<string> => {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "effect-smb-cli-"))
    whenProcessEnds(() => rmSync(dir, { recursive: true, force: true }))(true)
    // The loader is an ES module, and `smb --version` reads the version two levels up.
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", version }))
    // As published: the code cache made after the warm-up run, which costs a second of CPU once
    // per test process and makes every `smb` the tests start cheaper.
    await bundleCommand(join(dir, "dist", "cli"))
    // Readable by the other users some tests run it as.
    chmodSync(dir, 0o755)
    return join(dir, "dist", "cli", "main.js")
  })()
  return bundled
}

/** The `smb` command, bundled from src/cli/main.ts once per test process. */
export const bundleCli = async (): Promise<Cli> => {
  const main = await bundle()

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
    run: (args, env, as) => start(args, env, as).done
  }
}
