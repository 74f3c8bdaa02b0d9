/**
 * Metadata against a real Samba smbd: times and attributes set (and checked on the server's
 * disk), alternate data streams listed, read, written, stat'ed and removed as `path:stream`
 * (the harness's shares have streams_xattr), and security descriptors read (checked against the
 * file's owner, group and mode on disk) and written. Writing a DACL and reading back the same
 * needs NT ACLs stored as they are set, so that part runs on a private server with acl_xattr
 * (without it Samba maps the DACL onto a POSIX ACL and back, which reorders and merges ACEs).
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import * as Metadata from "../../src/client/Metadata.js"
import { AccessMask, FileAttributes } from "../../src/wire/Create.js"
import type { Ace, SecurityDescriptor } from "../../src/wire/SecurityDescriptor.js"
import { encodeSecurityDescriptor, FileRights, parseSid, sidToString } from "../../src/wire/SecurityDescriptor.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, startSamba, stopSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`
const text = (s: string) => new TextEncoder().encode(s)
const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined)
const sid = (s: string) => Effect.runSync(parseSid(s))

/** The POSIX ACL entries of a file on the server's disk: [tag, permission bits, id] (acl_ea format). */
const posixAcl = (path: string): Array<[number, number, number]> => {
  const out = execFileSync("getfattr", ["--absolute-names", "-e", "hex", "-n", "system.posix_acl_access", path]).toString()
  const bytes = Buffer.from(/system\.posix_acl_access=0x([0-9a-f]+)/.exec(out)?.[1] ?? "", "hex")
  const entries: Array<[number, number, number]> = []
  for (let at = 4; at + 8 <= bytes.length; at += 8) entries.push([bytes.readUInt16LE(at), bytes.readUInt16LE(at + 2), bytes.readUInt32LE(at + 4)])
  return entries
}
const ACL_USER = 0x02

describeSamba("Samba: times and attributes", (servers) => {
  const server = servers.default

  it.scopedLive("setTimes sets the times it is given, leaves the others, and refuses a date SMB cannot carry", () =>
    Effect.gen(function*() {
      const { tree } = yield* scenario(server, {})
      const name = fresh("times")
      yield* Files.writeFile(tree, name, text("hello"))
      const before = yield* Files.stat(tree, name)
      const created = new Date("2000-01-01T00:00:00.000Z")
      const written = new Date("2001-02-03T04:05:06.789Z")
      yield* Files.setTimes(tree, name, { created, written })
      const after = yield* Files.stat(tree, name)
      expect(after.creationTime).toEqual(created)
      expect(after.lastWriteTime).toEqual(written)
      expect(after.lastAccessTime).toEqual(before.lastAccessTime)
      expect(statSync(join(server.sharePath, name)).mtimeMs).toBe(written.getTime())

      const accessed = new Date("2010-10-10T10:10:10.100Z")
      yield* Files.setTimes(tree, name, { accessed })
      expect(statSync(join(server.sharePath, name)).atimeMs).toBe(accessed.getTime())
      expect((yield* Files.stat(tree, name)).lastWriteTime).toEqual(written)

      for (const bad of [new Date(Number.NaN), new Date("1500-01-01T00:00:00Z")]) {
        expect(failureOf(yield* Effect.exit(Files.setTimes(tree, name, { written: bad })))).toMatchObject({ _tag: "InvalidState", reason: "BadRange" })
      }
      expect((yield* Files.stat(tree, name)).lastWriteTime).toEqual(written)
      yield* Files.remove(tree, name)
    }))

  it.scopedLive("on a handle: a time set after writing stays as set when the handle closes", () =>
    Effect.gen(function*() {
      const { tree } = yield* scenario(server, {})
      const name = fresh("handle-times")
      const written = new Date("2003-03-03T03:03:03.333Z")
      yield* Effect.scoped(Effect.gen(function*() {
        const handle = yield* File.open(tree, name, { access: "write", disposition: "create" })
        yield* handle.write(text("some data"))
        yield* Metadata.setHandleTimes(handle, { written })
        yield* handle.write(text("more"), { offset: 9 })
      }))
      expect((yield* Files.stat(tree, name)).lastWriteTime).toEqual(written)
      expect(statSync(join(server.sharePath, name)).size).toBe(13)
      yield* Files.remove(tree, name)
    }))

  it.scopedLive("setAttributes sets and clears read-only and hidden, keeps the rest, and a read-only file refuses writes", () =>
    Effect.gen(function*() {
      const { tree } = yield* scenario(server, {})
      const name = fresh("attributes")
      yield* Files.writeFile(tree, name, text("hello"))
      const start = (yield* Files.stat(tree, name)).attributes
      expect(start & FileAttributes.ARCHIVE).not.toBe(0)

      const set = yield* Files.setAttributes(tree, name, { readOnly: true, hidden: true })
      expect(set).toBe(FileAttributes.READONLY | FileAttributes.HIDDEN | FileAttributes.ARCHIVE)
      expect((yield* Files.stat(tree, name)).attributes).toBe(set)
      expect(failureOf(yield* Effect.exit(Files.writeFile(tree, name, text("x"), { disposition: "openIf" })))).toMatchObject({
        _tag: "ServerError",
        reason: "STATUS_ACCESS_DENIED",
        path: name
      })

      // clearing every attribute sends NORMAL (0 would mean "leave them")
      expect(yield* Files.setAttributes(tree, name, { readOnly: false, hidden: false, archive: false })).toBe(FileAttributes.NORMAL)
      expect((yield* Files.stat(tree, name)).attributes).toBe(FileAttributes.NORMAL)
      yield* Files.writeFile(tree, name, text("writable again"))

      const dir = fresh("attributes-dir")
      yield* Files.mkdir(tree, dir)
      expect(yield* Files.setAttributes(tree, dir, { hidden: true })).toBe(
        (yield* Files.stat(tree, dir)).attributes
      )
      expect((yield* Files.stat(tree, dir)).attributes & (FileAttributes.DIRECTORY | FileAttributes.HIDDEN)).toBe(
        FileAttributes.DIRECTORY | FileAttributes.HIDDEN
      )
      yield* Files.rmdir(tree, dir)
      yield* Files.remove(tree, name)
    }))
})

describeSamba("Samba: alternate data streams", (servers) => {
  const server = servers.default

  it.scopedLive("a stream is written, listed, read, stat'ed and removed as path:stream; the file's data stays", () =>
    Effect.gen(function*() {
      const { tree } = yield* scenario(server, {})
      const name = fresh("streams")
      yield* Files.writeFile(tree, name, text("main"))
      expect(yield* Files.streams(tree, name)).toEqual([{ name: "", type: "$DATA", size: 4, allocationSize: expect.any(Number) }])

      yield* Files.writeFile(tree, `${name}:summary`, text("a stream of its own"))
      yield* Files.writeFile(tree, `${name}:tags:$DATA`, text("x,y"))
      const listed = yield* Files.streams(tree, name)
      expect(listed.map(({ name, size, type }) => ({ name, size, type })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: "", size: 4, type: "$DATA" },
        { name: "summary", size: 19, type: "$DATA" },
        { name: "tags", size: 3, type: "$DATA" }
      ])
      expect(new TextDecoder().decode(yield* Files.readFile(tree, `${name}:summary`))).toBe("a stream of its own")
      expect((yield* Files.stat(tree, `${name}:summary`)).size).toBe(19)
      expect(yield* Files.exists(tree, `${name}:nothing`)).toBe(false)

      yield* Files.remove(tree, `${name}:summary`)
      expect((yield* Files.streams(tree, name)).map((s) => s.name).sort()).toEqual(["", "tags"])
      expect(new TextDecoder().decode(yield* Files.readFile(tree, name))).toBe("main")

      // an upload into a stream writes it in place (a stream cannot be renamed over from a temporary file)
      const local = join(mkdtempSync(join(tmpdir(), "effect-smb-streams-")), "notes.txt")
      writeFileSync(local, "uploaded into a stream")
      expect(yield* Files.upload(tree, local, `${name}:notes`).pipe(Effect.provide(NodeFileSystem.layer))).toBe(22)
      expect(new TextDecoder().decode(yield* Files.readFile(tree, `${name}:notes`))).toBe("uploaded into a stream")
      expect(readdirSync(server.sharePath).filter((entry) => entry.includes(name))).toEqual([name])
      yield* Files.remove(tree, `${name}:notes`)

      // on a handle, and a directory has no data stream
      const handle = yield* File.open(tree, name, { access: AccessMask.FILE_READ_ATTRIBUTES })
      expect((yield* Metadata.handleStreams(handle)).length).toBe(2)
      const dir = fresh("streams-dir")
      yield* Files.mkdir(tree, dir)
      expect(yield* Files.streams(tree, dir)).toEqual([])
      yield* Files.rmdir(tree, dir)
      yield* Files.remove(tree, name)
    }))
})

describeSamba("Samba: security descriptors", (servers) => {
  it.scopedLive("getSecurity reads the owner, group and DACL that match the file's owner, group and mode on disk", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const name = fresh("security")
      yield* Files.writeFile(tree, name, text("hello"))
      const sd = yield* Files.getSecurity(tree, name)
      const onDisk = statSync(join(server.sharePath, name))
      expect(sidToString(sd.owner!)).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/)
      // Samba names a Unix group it has no mapping for S-1-22-2-gid
      expect(sidToString(sd.group!)).toBe(`S-1-22-2-${onDisk.gid}`)
      expect(sd.sacl).toBeUndefined()
      const aces = sd.dacl!.aces.filter((ace): ace is Extract<Ace, { sid: unknown }> => ace._tag === "AccessAllowed")
      const maskOf = (s: string) => aces.find((ace) => sidToString(ace.sid) === s)?.mask
      // the owner's rights include reading and writing data; Everyone's follow the mode's "other" bits
      expect(maskOf(sidToString(sd.owner!))! & (AccessMask.FILE_READ_DATA | AccessMask.FILE_WRITE_DATA)).toBe(3)
      expect(((maskOf("S-1-1-0") ?? 0) & AccessMask.FILE_READ_DATA) !== 0).toBe((onDisk.mode & 0o004) !== 0)
      // the same owner for a directory; the SACL needs a privilege this user does not hold
      const dirOwner = (yield* Files.getSecurity(tree, "", { owner: true })).owner
      expect(dirOwner).toEqual(sd.owner)
      expect(failureOf(yield* Effect.exit(Files.getSecurity(tree, name, { sacl: true })))).toMatchObject({
        _tag: "ServerError",
        reason: "STATUS_PRIVILEGE_NOT_HELD",
        path: name
      })
      yield* Files.remove(tree, name)
    }))

  describeSamba("with NT ACLs stored as set (acl_xattr)", () => {
    let server: SambaInstance | undefined
    beforeAll(async () => {
      server = await startSamba({ extraGlobal: ["vfs objects = acl_xattr streams_xattr"] })
    })
    afterAll(async () => {
      if (server !== undefined) await stopSamba(server)
    })

    it.scopedLive("an ACE added to the DACL is written and read back the same, and reaches the file's POSIX ACL", () =>
      Effect.gen(function*() {
        const { tree } = yield* scenario(server!, {})
        const name = fresh("dacl")
        yield* Files.writeFile(tree, name, text("hello"))
        const before = yield* Files.getSecurity(tree, name)
        const nobody: Ace = { _tag: "AccessAllowed", flags: 0, mask: FileRights.READ, sid: sid("S-1-22-1-65534") }
        const dacl = { ...before.dacl!, aces: [...before.dacl!.aces, nobody] }
        yield* Files.setSecurity(tree, name, { ...before, dacl }, { dacl: true })
        const after = yield* Files.getSecurity(tree, name)
        expect(after.dacl).toEqual(dacl)
        expect(after.owner).toEqual(before.owner)
        expect(posixAcl(join(server!.sharePath, name))).toContainEqual([ACL_USER, 4, 65534])

        // a DACL larger than the first guess: the server says the size it needs and it is read again
        const many: Array<Ace> = Array.from({ length: 60 }, (_, i) => ({
          _tag: "AccessDenied",
          flags: 0,
          mask: AccessMask.FILE_WRITE_DATA,
          sid: sid(`S-1-5-21-1-2-3-${10_000 + i}`)
        }))
        const large: SecurityDescriptor = { ...after, dacl: { revision: 2, aces: [...many, ...dacl.aces] } }
        expect(encodeSecurityDescriptor(large).length).toBeGreaterThan(1024)
        yield* Files.setSecurity(tree, name, large, { dacl: true })
        expect((yield* Files.getSecurity(tree, name)).dacl).toEqual(large.dacl)

        // out of range: refused before anything is sent
        const bad = { ...after, dacl: { revision: 2, aces: [{ ...nobody, mask: 2 ** 32 }] } }
        expect(failureOf(yield* Effect.exit(Files.setSecurity(tree, name, bad)))).toMatchObject({ _tag: "DecodeError", field: "Dacl.Ace[0].Mask" })
        expect((yield* Files.getSecurity(tree, name)).dacl).toEqual(large.dacl)
        yield* Files.remove(tree, name)
      }))

    it.scopedLive("times, attributes and streams need only the attribute rights: they work on a file whose DACL grants nothing else", () =>
      Effect.gen(function*() {
        const { tree } = yield* scenario(server!, {})
        const name = fresh("minimal")
        yield* Files.writeFile(tree, name, text("secret"))
        const original = yield* Files.getSecurity(tree, name)
        const attributesOnly: Ace = {
          _tag: "AccessAllowed",
          flags: 0,
          mask: AccessMask.FILE_READ_ATTRIBUTES | AccessMask.FILE_WRITE_ATTRIBUTES,
          sid: original.owner!
        }
        yield* Files.setSecurity(tree, name, { ...original, dacl: { revision: 2, aces: [attributesOnly] } }, { dacl: true })
        expect(failureOf(yield* Effect.exit(Files.readFile(tree, name)))).toMatchObject({ reason: "STATUS_ACCESS_DENIED" })

        const written = new Date("2020-02-02T02:02:02.020Z")
        yield* Files.setTimes(tree, name, { written })
        expect(yield* Files.setAttributes(tree, name, { hidden: true })).toBe(FileAttributes.HIDDEN | FileAttributes.ARCHIVE)
        expect((yield* Files.stat(tree, name)).lastWriteTime).toEqual(written)
        expect((yield* Files.streams(tree, name)).map((s) => s.name)).toEqual([""])

        // the owner may always read and change the DACL (READ_CONTROL and WRITE_DAC are implied)
        yield* Files.setSecurity(tree, name, original, { dacl: true })
        expect(new TextDecoder().decode(yield* Files.readFile(tree, name))).toBe("secret")
        yield* Files.remove(tree, name)
      }))
  })
})
