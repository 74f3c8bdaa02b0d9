/**
 * Files.list on a real Samba smbd, whose first round goes with the CREATE (CREATE +
 * QUERY_DIRECTORY, related; src/client/internal/listing.ts): a folder larger than that first
 * round (64 KiB, some 370 entries of these names) lists every entry once, as the rounds that
 * follow go on from there rather than restarting; a pattern that matches nothing fails as a lone
 * round does (STATUS_NO_SUCH_FILE naming the path), and the directory is closed after it either
 * way; the same on the single worker.
 */
import { expect, it } from "@effect/vitest"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as File from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

const listing = (server: SambaInstance, options: Partial<ConnectionOptions>) =>
  Effect.gen(function*() {
    const { tree } = yield* scenario(server, options)
    const dir = fresh("listing")
    const onDisk = join(server.sharePath, dir)
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(onDisk, { recursive: true, force: true })))
    mkdirSync(onDisk)
    // some 370 of these entries fill the first round's 64 KiB
    const count = 1200
    for (let i = 0; i < count; i++) writeFileSync(join(onDisk, `entry-with-a-longer-name-${i}.txt`), "")
    const names = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, dir))).map((entry) => entry.name)
    expect(names.length).toBe(count)
    expect(new Set(names).size).toBe(count)
    const some = Chunk.toReadonlyArray(yield* Stream.runCollect(Files.list(tree, dir, { pattern: "entry-with-a-longer-name-12*" })))
    expect(some.map((entry) => entry.name).sort()).toEqual(
      Array.from({ length: count }, (_, i) => String(i)).filter((n) => n.startsWith("12")).map((n) => `entry-with-a-longer-name-${n}.txt`).sort()
    )

    // Nothing matches: the chain's error is a lone round's, and the directory is closed.
    const none = yield* Effect.flip(Stream.runDrain(Files.list(tree, dir, { pattern: "nothing-*" })))
    const lone = yield* Effect.flip(Effect.scoped(Effect.flatMap(
      File.open(tree, dir, { access: "read", directory: true }),
      (handle) => Stream.runDrain(handle.list("nothing-*"))
    )))
    expect(none).toMatchObject({ _tag: "ServerError", reason: "STATUS_NO_SUCH_FILE", command: "QUERY_DIRECTORY", path: dir })
    expect(lone).toMatchObject({ _tag: "ServerError", reason: "STATUS_NO_SUCH_FILE", command: "QUERY_DIRECTORY", path: dir })
    // An open that shares nothing succeeds only when no other handle of the directory is open.
    yield* Effect.scoped(File.open(tree, dir, { access: "read", directory: true, share: "none" }))
  })

describeSamba("Samba: listings", (servers) => {
  it.scopedLive("the first round with the CREATE, the next ones on the open directory: every entry once; a pattern matching nothing", () =>
    listing(servers.default, {}), 60_000)

  it.scopedLive("the same on the single worker", () => listing(servers.default, { worker: "single" }), 60_000)
})
