/**
 * Where the password comes from when the URL names a user. In this order, the first that has
 * one wins:
 *
 * 1. the URL itself (`smb://user:password@host/...`): visible to every user of the machine in
 *    the process list (`ps`), so meant for throwaway accounts and tests only;
 * 2. `--password-file FILE`: its first line, without the line break;
 * 3. the SMB_PASSWORD environment variable (read through Effect's `Config`);
 * 4. a prompt on the terminal, without echo, when stdin is one.
 *
 * The order runs from the most explicit to the most implicit: what is typed on this command
 * line beats what the environment holds, and a prompt is the last resort since it needs
 * someone at the keyboard. With none of them the password is empty. A URL without a user
 * takes no password from anywhere (anonymous session). The password is `Redacted` from the
 * moment it is read.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { CliError } from "./errors.js"
import { localError } from "./Local.js"
import type { SmbUrl } from "./Url.js"
import { passwordFromEnv } from "./Url.js"

/**
 * The first line of a password file's text, without its line break ("\n" or "\r\n").
 *
 * @since 0.1.0
 * @category parsing
 */
export const firstLine = (text: string): string => text.split("\n", 1)[0]!.replace(/\r$/, "")

/**
 * The password in the first line of `path`.
 *
 * @since 0.1.0
 * @category sources
 */
export const fromFile = (path: string): Effect.Effect<Redacted.Redacted<string>, CliError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.map((text) => Redacted.make(firstLine(text))),
    Effect.mapError(localError("read password file", path))
  )

/**
 * What `prompt` reads from: a terminal (`process.stdin`), or a stand-in for tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromptInput {
  readonly isTTY?: boolean
  readonly isRaw?: boolean
  readonly setRawMode: (mode: boolean) => unknown
  readonly setEncoding: (encoding: BufferEncoding) => unknown
  readonly on: (event: "data" | "end", listener: (chunk?: string) => void) => unknown
  readonly removeListener: (event: "data" | "end", listener: (chunk?: string) => void) => unknown
  readonly resume: () => unknown
  readonly pause: () => unknown
}

/**
 * Where `supply` prompts: stdin and stderr (stdout may carry the file `get URL -` writes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Terminal {
  readonly input: PromptInput
  readonly output: { readonly write: (text: string) => unknown }
}

/**
 * Asks for a password on a terminal: `question` is written to `output`, the keys are read in
 * raw mode without echo. Enter (or Ctrl-D) ends it; Backspace deletes a character and Ctrl-U
 * the line; other control keys are ignored. Ctrl-C interrupts, as it does elsewhere (raw mode
 * turns it into a byte instead of a SIGINT). The terminal is restored however it ends.
 *
 * @since 0.1.0
 * @category sources
 */
export const prompt = (input: PromptInput, output: Terminal["output"], question: string): Effect.Effect<Redacted.Redacted<string>> =>
  Effect.async<Redacted.Redacted<string>>((resume) => {
    const wasRaw = input.isRaw === true
    let typed: Array<string> = []
    let restored = false
    const restore = () => {
      if (restored) return
      restored = true
      input.removeListener("data", onData)
      input.removeListener("end", onEnd)
      input.setRawMode(wasRaw)
      input.pause()
      output.write("\n")
    }
    const finish = () => {
      restore()
      resume(Effect.succeed(Redacted.make(typed.join(""))))
    }
    function onEnd() {
      finish()
    }
    function onData(chunk?: string) {
      // Code points, so that Backspace removes a whole character; a paste arrives as one chunk.
      for (const key of chunk ?? "") {
        if (key === "\r" || key === "\n" || key === "\x04") return finish()
        if (key === "\x03") {
          restore()
          return resume(Effect.interrupt)
        }
        if (key === "\x7f" || key === "\b") typed.pop()
        else if (key === "\x15") typed = []
        else if (key >= " ") typed.push(key)
      }
    }
    input.setRawMode(true)
    input.setEncoding("utf8")
    input.on("data", onData)
    input.on("end", onEnd)
    input.resume()
    output.write(question)
    return Effect.sync(restore)
  })

const account = (url: SmbUrl): string => `${url.domain === undefined ? "" : `${url.domain}\\`}${url.user ?? ""}@${url.host}`

// A function, so that process.stdin is only created when a prompt may be needed.
const processTerminal = (): Terminal => ({ input: process.stdin, output: process.stderr })

/**
 * `url` with its password taken from the first source that has one (see above).
 *
 * @since 0.1.0
 * @category sources
 */
export const supply = (
  url: SmbUrl,
  passwordFile: Option.Option<string>,
  terminal: () => Terminal = processTerminal
): Effect.Effect<SmbUrl, CliError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (url.user === undefined || url.password !== undefined) return url
    if (Option.isSome(passwordFile)) return { ...url, password: yield* fromFile(passwordFile.value) }
    const env = yield* passwordFromEnv
    if (Option.isSome(env)) return { ...url, password: env.value }
    const { input, output } = terminal()
    if (input.isTTY !== true) return url
    return { ...url, password: yield* prompt(input, output, `Password for ${account(url)}: `) }
  })
