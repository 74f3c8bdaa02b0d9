/**
 * Where the CLI's password comes from (src/cli/Password.ts): the URL, --password-file,
 * SMB_PASSWORD, then a prompt, in that order; and the prompt itself, driven by a stand-in
 * terminal (keys in, what is shown out). login.test.ts runs the same through a real
 * pseudo-terminal and the real server.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { EventEmitter } from "node:events"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Terminal } from "../../src/cli/Password.js"
import * as Password from "../../src/cli/Password.js"
import * as Url from "../../src/cli/Url.js"

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "effect-smb-password-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** A terminal that types `chunks` once the prompt listens, and records what it is shown. */
const fakeTerminal = (chunks: ReadonlyArray<string>, isTTY = true) => {
  const events = new EventEmitter()
  const state = { raw: false, rawModes: [] as Array<boolean>, paused: true, shown: "" }
  const terminal: Terminal = {
    input: {
      isTTY,
      get isRaw() {
        return state.raw
      },
      setRawMode: (mode) => {
        state.raw = mode
        state.rawModes.push(mode)
      },
      setEncoding: () => undefined,
      on: (event, listener) => events.on(event, listener),
      removeListener: (event, listener) => events.removeListener(event, listener),
      resume: () => {
        state.paused = false
        setImmediate(() => chunks.forEach((chunk) => events.emit(chunk === "EOF" ? "end" : "data", chunk)))
      },
      pause: () => {
        state.paused = true
      }
    },
    output: { write: (text) => (state.shown += text) }
  }
  return { terminal, state, listeners: () => events.listenerCount("data") + events.listenerCount("end") }
}

const url = (text: string) => Effect.runSync(Url.parse(text))
const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
const secret = (u: Url.SmbUrl) => (u.password === undefined ? undefined : Redacted.value(u.password))

describe("Password.supply", () => {
  const file = () => join(dir, "password")
  const supply = (text: string, options: { file?: string | undefined; env?: Record<string, string>; keys?: ReadonlyArray<string>; tty?: boolean } = {}) => {
    const fake = fakeTerminal(options.keys ?? [], options.tty ?? true)
    return Password.supply(url(text), Option.fromNullable(options.file), () => fake.terminal).pipe(
      withEnv(options.env ?? {}),
      Effect.map((resolved) => ({ password: secret(resolved), shown: fake.state.shown })),
      Effect.provide(NodeFileSystem.layer)
    )
  }

  it.effect("takes, in order: the URL's password, --password-file, SMB_PASSWORD, the prompt", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => writeFile(file(), "from-file\nsecond line\n"))
      const all = { file: file(), env: { SMB_PASSWORD: "from-env" }, keys: ["typed\r"] }
      expect(yield* supply("smb://bob:in-url@host/s", all)).toEqual({ password: "in-url", shown: "" })
      expect(yield* supply("smb://bob@host/s", all)).toEqual({ password: "from-file", shown: "" })
      expect(yield* supply("smb://bob@host/s", { ...all, file: undefined })).toEqual({ password: "from-env", shown: "" })
      expect(yield* supply("smb://DOM;bob@host/s", { keys: ["typed\r"] })).toEqual({ password: "typed", shown: "Password for DOM\\bob@host: \n" })
    }))

  it.effect("takes nothing without a user, and leaves the password unset without a terminal", () =>
    Effect.gen(function*() {
      expect(yield* supply("smb://host/s", { file: join(dir, "missing"), env: { SMB_PASSWORD: "x" }, keys: ["typed\r"] })).toEqual({
        password: undefined,
        shown: ""
      })
      expect(yield* supply("smb://bob@host/s", { keys: ["typed\r"], tty: false })).toEqual({ password: undefined, shown: "" })
    }))

  it.effect("reads the first line of the file, without its line break, and an empty file as an empty password", () =>
    Effect.gen(function*() {
      for (const [text, password] of [["pw\r\nrest", "pw"], ["pw", "pw"], [" spaced pw \n", " spaced pw "], ["", ""]] as const) {
        yield* Effect.promise(() => writeFile(file(), text))
        expect((yield* supply("smb://bob@host/s", { file: file() })).password).toBe(password)
      }
    }))

  it.effect("fails with a LocalFile error naming the file when it cannot be read", () =>
    Effect.gen(function*() {
      const missing = join(dir, "no-such-file")
      const error = yield* Effect.flip(supply("smb://bob@host/s", { file: missing }))
      expect(error).toMatchObject({ _tag: "CliError", reason: "LocalFile" })
      expect(error.message).toBe(`cannot read password file ${missing}: no such file or directory`)
      const directory = yield* Effect.flip(supply("smb://bob@host/s", { file: dir }))
      expect(directory.message).toBe(`cannot read password file ${dir}: is a directory`)
    }))
})

describe("Password.prompt", () => {
  const ask = (chunks: ReadonlyArray<string>) => {
    const fake = fakeTerminal(chunks)
    return Password.prompt(fake.terminal.input, fake.terminal.output, "Password: ").pipe(
      Effect.exit,
      Effect.map((exit) => ({ exit: Exit.map(exit, Redacted.value), ...fake.state, listeners: fake.listeners() }))
    )
  }

  it.effect("reads keys in raw mode without echo, then restores the terminal", () =>
    Effect.gen(function*() {
      const result = yield* ask(["s3", "cr€t", "\r"])
      expect(result.exit).toEqual(Exit.succeed("s3cr€t"))
      expect(result.shown).toBe("Password: \n")
      expect(result).toMatchObject({ rawModes: [true, false], raw: false, paused: true, listeners: 0 })
    }))

  it.effect("edits with Backspace (whole characters) and Ctrl-U; ignores other control keys; a paste ends at its line break", () =>
    Effect.gen(function*() {
      expect((yield* ask(["abc\x7f\x7fd€\b", "\x01e\n"])).exit).toEqual(Exit.succeed("ade"))
      expect((yield* ask(["wrong\x15right\rignored"])).exit).toEqual(Exit.succeed("right"))
      expect((yield* ask(["until ctrl-d\x04"])).exit).toEqual(Exit.succeed("until ctrl-d"))
      expect((yield* ask(["end of input", "EOF"])).exit).toEqual(Exit.succeed("end of input"))
    }))

  it.effect("Ctrl-C interrupts, with the terminal restored", () =>
    Effect.gen(function*() {
      const result = yield* ask(["secret", "\x03", "more\r"])
      expect(Exit.isInterrupted(result.exit)).toBe(true)
      expect(result).toMatchObject({ rawModes: [true, false], raw: false, paused: true, listeners: 0, shown: "Password: \n" })
    }))
})
