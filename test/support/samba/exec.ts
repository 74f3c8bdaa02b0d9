/**
 * Runs an external command and collects its output, for the few Samba tools the harness calls
 * (testparm, smbpasswd, useradd, runuser, apt-get). Never throws: the caller decides what a
 * non-zero exit means and which output is safe to show.
 */
import { spawn } from "node:child_process"

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Set when the command could not be started at all (e.g. ENOENT). */
  readonly spawnError?: Error
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string
  readonly env?: NodeJS.ProcessEnv
  /** Send the command's stdout and stderr to our stderr instead of collecting them. */
  readonly echoToStderr?: boolean
}

export const run = (command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: [options.input === undefined ? "ignore" : "pipe", options.echoToStderr ? 2 : "pipe", options.echoToStderr ? 2 : "pipe"],
      env: options.env ?? process.env
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", (spawnError) => resolve({ code: null, signal: null, stdout, stderr, spawnError }))
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
    if (options.input !== undefined) {
      child.stdin?.on("error", () => {})
      child.stdin?.end(options.input)
    }
  })

/** A one-line description of how a command ended, for error details. */
export const describeExit = (result: RunResult): string =>
  result.spawnError !== undefined
    ? `could not start (${result.spawnError.message})`
    : result.signal !== null
      ? `killed by ${result.signal}`
      : `exit code ${result.code}`
