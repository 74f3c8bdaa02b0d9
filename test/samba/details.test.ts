/**
 * Files.details against a real Samba smbd: FileAllInformation's fields against what the local
 * file system says of the same file (size, times, links, inode as the file id).
 */
import { expect, it } from "@effect/vitest"
import { linkSync, mkdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { attributeNames } from "../../src/client/Details.js"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

describeSamba("Samba: Files.details", (servers) => {
  it.scopedLive("a file with two names, a directory, and a missing path", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const name = fresh("details")
      const onDisk = join(server.sharePath, name)
      writeFileSync(onDisk, new Uint8Array(12345))
      linkSync(onDisk, `${onDisk}.link`)
      mkdirSync(`${onDisk}.dir`)
      const local = statSync(onDisk, { bigint: true })

      const file = yield* Files.details(tree, name)
      expect(file).toMatchObject({ size: 12345, isDirectory: false, links: 2, deletePending: false, eaSize: 0 })
      expect(file.lastWriteTime.getTime()).toBe(Number(local.mtimeMs))
      // Samba's file id is made of the inode (and the device): both names give the same
      expect((yield* Files.details(tree, `${name}.link`)).fileId).toBe(file.fileId)
      expect(file.fileId & 0xffffffffn).toBe(local.ino & 0xffffffffn)
      expect(file.serverName.replaceAll("\\", "/").replace(/^\//, "")).toBe(name)
      expect(attributeNames(file.attributes)).not.toContain("DIRECTORY")

      const dir = yield* Files.details(tree, `${name}.dir`)
      expect(dir).toMatchObject({ isDirectory: true })
      expect(attributeNames(dir.attributes)).toContain("DIRECTORY")

      const missing = yield* Effect.exit(Files.details(tree, `${name}.missing`))
      expect(Exit.isFailure(missing) && missing.cause._tag === "Fail" ? missing.cause.error.message : undefined)
        .toBe(`cannot open '${server.share}/${name}.missing': STATUS_OBJECT_NAME_NOT_FOUND (0xc0000034)`)
    }))
})
