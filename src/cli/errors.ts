/**
 * The errors of the `smb` command-line tool itself, next to the library's (src/errors.ts): a URL
 * that cannot be parsed, and a request the tool cannot carry out (a missing share, an option that
 * is not available, a local file that cannot be read or written). Like the library's, each has a
 * `reason`, a `cause` and a readable `message`, and none ever carries a password.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * An `smb://` URL that cannot be parsed. The message names the part at fault, never the password.
 *
 * @since 0.1.0
 * @category errors
 */
export class UrlError extends Data.TaggedError("UrlError")<{
  readonly reason: "Scheme" | "UserInfo" | "Host" | "Port" | "Path" | "Encoding"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `bad URL: ${this.detail}`
  }
}

/**
 * A command that cannot be carried out as asked. "Usage" and "NotAvailable" are the user's to fix
 * on the command line; "LocalFile" is a local file that cannot be read or written; "Logon" a
 * refused logon the tool can say more about (no password was given).
 *
 * @since 0.1.0
 * @category errors
 */
export class CliError extends Data.TaggedError("CliError")<{
  readonly reason: "Usage" | "NotAvailable" | "LocalFile" | "Logon"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail
  }
}

/**
 * A failure that has already been printed (one line on stderr); only its exit code is left to
 * give. "Usage": the command line was wrong (exit 2); "Failed": the operation failed (exit 1).
 *
 * @since 0.1.0
 * @category errors
 */
export class Reported extends Data.TaggedError("Reported")<{
  readonly reason: "Usage" | "Failed"
  readonly cause?: unknown
}> {
  override get message(): string {
    return `reported (${this.reason})`
  }
}
