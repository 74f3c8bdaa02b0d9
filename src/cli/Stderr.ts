/**
 * Everything the tool writes to stderr through Effect's Console, its own messages and
 * @effect/cli's parse errors alike, passes through `console` here, so that it keeps two promises
 * in one place: a password in an `smb://` URL is never printed (@effect/cli echoes a stray
 * argument as it was typed), and a one-line message reads "smb: <message>" whoever wrote it.
 *
 * @since 0.1.0
 */
import type * as Console from "effect/Console"

/**
 * `text` with the password of every `smb://user:password@` in it replaced by "***".
 *
 * @since 0.1.0
 * @category output
 */
export const redact = (text: string): string =>
  text.replace(/smb:\/\/([^\s/]*)/gi, (url: string, authority: string) => {
    const at = authority.lastIndexOf("@")
    const colon = authority.indexOf(":")
    return at < 0 || colon < 0 || colon > at ? url : `${url.slice(0, 6 + colon + 1)}***${url.slice(6 + at)}`
  })

/**
 * What a line written to stderr becomes: redacted, without trailing blank lines, and prefixed
 * with "smb: " when it is one line that lacks it.
 *
 * @since 0.1.0
 * @category output
 */
export const normalize = (args: ReadonlyArray<unknown>): string => {
  const text = redact(args.map(String).join(" ")).trimEnd()
  return text.includes("\n") || text.startsWith("smb: ") ? text : `smb: ${text}`
}

/**
 * `base` with `error` normalized.
 *
 * @since 0.1.0
 * @category constructors
 */
export const console = (base: Console.Console): Console.Console => ({
  ...base,
  error: (...args: ReadonlyArray<unknown>) => base.error(normalize(args))
})
