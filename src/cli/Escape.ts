/**
 * Names that come from the server, made safe to print. A server may send any character in a
 * name: an escape sequence ("\x1b[2J", or one that retitles the window or rewrites the
 * clipboard), a newline that forges a line of output, a bidi override that shows "photo<U+202E>gpj.exe"
 * as "photoexe.jpg". The text output of `ls` and `watch` escapes them always, not only on a terminal:
 * a program reading that output line by line must not see one name as two lines, and `--json`
 * is there for exact names.
 *
 * Escaped: C0 controls, DEL and C1 controls as \xHH (\n, \r and \t by their letters), the bidi
 * controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) as \uHHHH, and "\"
 * itself as "\\", so that the escaped form always tells what the name was.
 *
 * JSON.stringify already escapes C0 controls, but not DEL, C1 or bidi controls: `json` escapes
 * those as \u00HH / \uHHHH, which JSON readers decode back to the same name.
 *
 * @since 0.1.0
 */

const unsafe = /[\x00-\x1f\x7f-\x9f\\\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const unsafeInJson = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const named: Partial<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" }

const hex = (char: string, digits: number) => char.charCodeAt(0).toString(16).padStart(digits, "0")

/**
 * `text` with control and bidi characters escaped, for text output.
 *
 * @since 0.1.0
 * @category output
 */
export const text = (name: string): string =>
  name.replace(unsafe, (char) => named[char] ?? (char.charCodeAt(0) < 0x100 ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`))

/**
 * `value` as one line of JSON, with DEL, C1 and bidi controls escaped too.
 *
 * @since 0.1.0
 * @category output
 */
export const json = (value: unknown): string => JSON.stringify(value).replace(unsafeInJson, (char) => `\\u${hex(char, 4)}`)
