/**
 * What @effect/cli's help needs before it reaches a user: it always writes ANSI colour codes
 * (into pipes and files too), a subcommand's usage line names the subcommand alone (`$ put ...`),
 * and every text argument carries the primitive's placeholder ("A user-defined piece of text.")
 * above its real description. @effect/cli has no switch for these, so its output is tidied on the
 * way out: colour only on a terminal (and never with NO_COLOR set), usage lines that start with
 * `smb`, no placeholder. Only help output gets the text changes; other output only loses colour
 * codes (the tool's own output has none: names are escaped before printing).
 *
 * @since 0.1.0
 */
import type * as Console from "effect/Console"

const ANSI = /\x1b\[[0-9;]*m/g
const PLACEHOLDER = /^[ \t]*A user-defined piece of text\.\n\n/gm

/**
 * Help text as a user should read it.
 *
 * @since 0.1.0
 * @category output
 */
export const tidy = (text: string, colour: boolean): string => {
  const plain = text.replace(PLACEHOLDER, "").replace(/^\$ (?!smb\b)/gm, "$ smb ")
  return colour ? plain : plain.replace(ANSI, "")
}

/**
 * Whether the command line asks for help (then @effect/cli prints it through Console.log).
 *
 * @since 0.1.0
 * @category output
 */
export const isHelpRequest = (args: ReadonlyArray<string>): boolean =>
  args.length === 0 || args.includes("--help") || args.includes("-h")

/**
 * `base` with its output tidied: help text when `help`, colour codes dropped unless `colour`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const console = (base: Console.Console, options: { readonly help: boolean; readonly colour: boolean }): Console.Console => {
  const out = (args: ReadonlyArray<unknown>): ReadonlyArray<unknown> =>
    options.help
      ? [tidy(args.map(String).join(" "), options.colour)]
      : options.colour
      ? args
      : args.map((arg) => (typeof arg === "string" ? arg.replace(ANSI, "") : arg))
  return {
    ...base,
    log: (...args: ReadonlyArray<unknown>) => base.log(...out(args)),
    error: (...args: ReadonlyArray<unknown>) => base.error(...out(args))
  }
}
