/**
 * `smb acl URL`: the owner, group and DACL of a file or directory (Files.getSecurity, opened with
 * READ_CONTROL only). Text: `owner SID`, `group SID`, then one line per ACE: type, access mask in
 * hex with its usual name when it has one (FULL, MODIFY, READ_EXECUTE, READ, WRITE), flags (OI,
 * CI, NP, IO, ID, SA, FA, as icacls and smbcacls abbreviate them) and the SID. A DACL that is
 * absent prints `dacl none`, a NULL DACL (everyone may do everything) `dacl null`. `--json`: one
 * object with `share`, `path`, `owner`, `group`, `control`, and `dacl` (null, or an array of ACEs
 * with `type`, `flags`, `mask` and `sid`; an ACE of another type has `aceType` and its bytes as
 * `hex`).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import type { Ace, SecurityDescriptor } from "../../wire/SecurityDescriptor.js"
import { AceFlags, FileRights, SecurityDescriptorControl, sidToString } from "../../wire/SecurityDescriptor.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { json } from "../Escape.js"
import { run } from "../Run.js"

const flagNames: ReadonlyArray<readonly [number, string]> = [
  [AceFlags.OBJECT_INHERIT, "OI"],
  [AceFlags.CONTAINER_INHERIT, "CI"],
  [AceFlags.NO_PROPAGATE_INHERIT, "NP"],
  [AceFlags.INHERIT_ONLY, "IO"],
  [AceFlags.INHERITED, "ID"],
  [AceFlags.SUCCESSFUL_ACCESS, "SA"],
  [AceFlags.FAILED_ACCESS, "FA"]
]

const rightsNames: ReadonlyMap<number, string> = new Map([
  [FileRights.FULL_CONTROL, "FULL"],
  [FileRights.MODIFY, "MODIFY"],
  [FileRights.READ_AND_EXECUTE, "READ_EXECUTE"],
  [FileRights.READ, "READ"],
  [FileRights.WRITE, "WRITE"]
])

const typeNames: Record<Exclude<Ace["_tag"], "RawAce">, string> = {
  AccessAllowed: "ALLOWED",
  AccessDenied: "DENIED",
  SystemAudit: "AUDIT",
  SystemAlarm: "ALARM",
  SystemMandatoryLabel: "LABEL"
}

const flagsText = (flags: number): string => flagNames.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name).join("|") || "-"

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`

const aceLine = (ace: Ace): string =>
  ace._tag === "RawAce"
    ? `ACE type 0x${ace.type.toString(16).padStart(2, "0")}  ${flagsText(ace.flags)}  ${Buffer.from(ace.body).toString("hex")}`
    : [typeNames[ace._tag], hex32(ace.mask), rightsNames.get(ace.mask) ?? "", flagsText(ace.flags), sidToString(ace.sid)].filter((s) => s !== "")
      .join("  ")

const aceJson = (ace: Ace) =>
  ace._tag === "RawAce"
    ? { type: "RawAce", aceType: ace.type, flags: ace.flags, hex: Buffer.from(ace.body).toString("hex") }
    : { type: ace._tag, flags: ace.flags, mask: ace.mask, sid: sidToString(ace.sid) }

const nullDacl = (sd: SecurityDescriptor) => sd.dacl === undefined && (sd.control & SecurityDescriptorControl.DACL_PRESENT) !== 0

const render = (share: string, path: string, sd: SecurityDescriptor, asJson: boolean): string => {
  if (asJson) {
    return json({
      share,
      path,
      owner: sd.owner === undefined ? null : sidToString(sd.owner),
      group: sd.group === undefined ? null : sidToString(sd.group),
      control: sd.control,
      dacl: sd.dacl === undefined ? null : sd.dacl.aces.map(aceJson)
    })
  }
  return [
    `owner  ${sd.owner === undefined ? "-" : sidToString(sd.owner)}`,
    `group  ${sd.group === undefined ? "-" : sidToString(sd.group)}`,
    ...(sd.dacl === undefined ? [`dacl   ${nullDacl(sd) ? "null" : "none"}`] : sd.dacl.aces.map(aceLine))
  ].join("\n")
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "acl",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) => {
        const path = target.path.join("/")
        return Effect.flatMap(Files.getSecurity(tree, path), (sd) => Console.log(render(tree.share, path, sd, options.json)))
      })
    )
).pipe(Command.withDescription("Print the owner, group and access control list (DACL) of a file or directory."))
