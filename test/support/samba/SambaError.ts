/**
 * The one error type of the Samba test harness. The harness runs in vitest's globalSetup and in
 * plain scripts, where a rejected Promise is the failure channel, so this is a thrown error; it is
 * tagged like the library's errors so a caller can switch on `reason`.
 */
import * as Data from "effect/Data"

export class SambaError extends Data.TaggedError("SambaError")<{
  readonly reason:
    | "NotRoot"
    | "NotInstalled"
    | "InstallFailed"
    | "BadOptions"
    | "Setup"
    | "PortInUse"
    | "StartFailed"
    | "StartTimeout"
    | "Unavailable"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `samba harness: ${this.reason}: ${this.detail}`
  }
}
