/**
 * The Layer API against a real Samba smbd: Connection.layer, Session.layer, Tree.layer and
 * Files.layer composed as an application would, every operation of the Files service (Files.make)
 * checked on the server's disk, the layers' finalizers seen on the wire (LOGOFF, TREE_DISCONNECT),
 * and their errors.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Files from "../../src/client/Files.js"
import * as Session from "../../src/client/Session.js"
import * as Tree from "../../src/client/Tree.js"
import * as Connection from "../../src/connection/Connection.js"
import * as ConnectionOptions from "../../src/connection/ConnectionOptions.js"
import { Command } from "../../src/wire/Command.js"
import { makeProxy, smb2Messages } from "../support/proxy.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

/** The whole stack as layers, each service kept in the output. */
const stack = (server: SambaInstance, options: Partial<ConnectionOptions.ConnectionOptions> = {}, password = server.password, share = server.share) =>
  Files.layer.pipe(
    Layer.provideMerge(Tree.layer(share)),
    Layer.provideMerge(Session.layer(Session.user(server.user, password))),
    Layer.provideMerge(Connection.layer({ host: server.host, port: server.port, ...options }))
  )

const text = (s: string) => new TextEncoder().encode(s)
const untext = (b: Uint8Array) => new TextDecoder().decode(b)

/** Every operation of a Files service, each checked on the server's disk (or against it). */
const exerciseFiles = (server: SambaInstance, files: Files.FilesShape) =>
  Effect.gen(function*() {
    const dir = fresh("layers")
    const onDisk = (...parts: Array<string>) => join(server.sharePath, dir, ...parts)
    yield* files.mkdir(dir)
    expect(statSync(onDisk()).isDirectory()).toBe(true)
    yield* files.mkdir(`${dir}/a/b`, { recursive: true })
    expect(statSync(onDisk("a", "b")).isDirectory()).toBe(true)

    yield* files.writeFile(`${dir}/one.txt`, text("one"))
    expect(readFileSync(onDisk("one.txt"), "utf8")).toBe("one")
    writeFileSync(onDisk("disk.txt"), "from the disk")
    expect(untext(yield* files.readFile(`${dir}/disk.txt`))).toBe("from the disk")
    expect(yield* files.stat(`${dir}/disk.txt`)).toMatchObject({ size: 13, isDirectory: false })
    expect(yield* files.stat(`${dir}/a`)).toMatchObject({ isDirectory: true })
    expect([yield* files.exists(`${dir}/one.txt`), yield* files.exists(`${dir}/none.txt`)]).toEqual([true, false])

    const names = Chunk.toReadonlyArray(yield* Stream.runCollect(files.list(dir))).map((e) => e.name).sort()
    expect(names).toEqual(["a", "disk.txt", "one.txt"])

    yield* files.rename(`${dir}/one.txt`, `${dir}/two.txt`)
    expect([existsSync(onDisk("one.txt")), readFileSync(onDisk("two.txt"), "utf8")]).toEqual([false, "one"])
    yield* files.truncate(`${dir}/two.txt`, 2)
    expect(readFileSync(onDisk("two.txt"), "utf8")).toBe("on")

    const data = seededBytes(300_000, "layers")
    expect(yield* files.writeStream(`${dir}/stream.bin`, Stream.make(data.subarray(0, 1000), data.subarray(1000)))).toBe(data.length)
    expect(Buffer.compare(readFileSync(onDisk("stream.bin")), data)).toBe(0)
    const read = yield* Stream.runCollect(files.readStream(`${dir}/stream.bin`))
    expect(Buffer.compare(Buffer.concat(Chunk.toReadonlyArray(read)), data)).toBe(0)
    expect(yield* Stream.run(Stream.make(text("sunk")), files.sink(`${dir}/sink.txt`))).toBe(4)
    expect(readFileSync(onDisk("sink.txt"), "utf8")).toBe("sunk")

    const handle = yield* Effect.scoped(Effect.flatMap(files.open(`${dir}/two.txt`), (h) => h.read(0, 100)))
    expect(untext(handle)).toBe("on")

    const local = mkdtempSync(join(tmpdir(), "effect-smb-layers-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(local, { recursive: true, force: true })))
    expect(yield* files.download(`${dir}/stream.bin`, join(local, "down.bin")).pipe(Effect.provide(NodeFileSystem.layer))).toBe(data.length)
    expect(Buffer.compare(readFileSync(join(local, "down.bin")), data)).toBe(0)
    expect(yield* files.upload(join(local, "down.bin"), `${dir}/up.bin`).pipe(Effect.provide(NodeFileSystem.layer))).toBe(data.length)
    expect(Buffer.compare(readFileSync(onDisk("up.bin")), data)).toBe(0)

    // watch: the server records changes once the first notification is pending, so keep creating
    const watching = yield* files.watch(dir).pipe(
      Stream.filter((change) => change._tag === "Changed" && change.action === "added" && change.name.startsWith("w-")),
      Stream.take(1),
      Stream.runCollect,
      Effect.fork
    )
    let n = 0
    const creating = yield* Effect.sync(() => writeFileSync(onDisk(`w-${n++}.txt`), "w")).pipe(
      Effect.repeat(Schedule.spaced("100 millis")),
      Effect.fork
    )
    const changes = yield* Fiber.join(watching).pipe(Effect.timeout("10 seconds"))
    yield* Fiber.interrupt(creating)
    expect(Chunk.toReadonlyArray(changes)).toEqual([expect.objectContaining({ _tag: "Changed", action: "added", name: expect.stringMatching(/^w-\d+\.txt$/) })])

    yield* files.remove(`${dir}/two.txt`)
    expect(existsSync(onDisk("two.txt"))).toBe(false)
    yield* files.rmdir(`${dir}/a/b`)
    expect([existsSync(onDisk("a", "b")), existsSync(onDisk("a"))]).toEqual([false, true])
    rmSync(onDisk(), { recursive: true, force: true })
  })

describeSamba("Samba: the Layer API", (servers) => {
  it.scopedLive("Connection.layer, Session.layer, Tree.layer and Files.layer compose into a working stack", () =>
    Effect.gen(function*() {
      const server = servers.default
      const context = yield* Layer.build(stack(server, { signing: "required" }))
      const connection = Context.get(context, Connection.Connection)
      const session = Context.get(context, Session.Session)
      const tree = Context.get(context, Tree.Tree)
      const files = Context.get(context, Files.Files)
      // one stack: each service is built on the one below it
      expect(files.tree).toBe(tree)
      expect(tree.session).toBe(session)
      expect(session.connection).toBe(connection)
      expect(connection.negotiated.dialect).toBe("3.1.1")
      expect(session).toMatchObject({ isGuest: false, isAnonymous: false, signingRequired: true })
      expect(session.id).not.toBe(0n)
      expect(tree).toMatchObject({ share: server.share, shareType: 1 })
      expect(tree.id).not.toBe(0)
      yield* exerciseFiles(server, files)
    }), 60_000)

  it.scopedLive("Files.make binds the functions to a tree built without layers", () =>
    Effect.gen(function*() {
      const server = servers.default
      const { tree } = yield* scenario(server, {})
      const files = Files.make(tree)
      expect(files.tree).toBe(tree)
      yield* exerciseFiles(server, files)
    }), 60_000)

  it.scopedLive("closing the layers' Scope disconnects the tree, then logs off (seen on the wire)", () =>
    Effect.gen(function*() {
      const server = servers.default
      const proxy = yield* makeProxy(server)
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(stack({ ...server, port: proxy.port }), scope)
      const { id: sessionId } = Context.get(context, Session.Session)
      const { id: treeId } = Context.get(context, Tree.Tree)
      expect(yield* Context.get(context, Files.Files).exists("no-such-file")).toBe(false)
      const before = proxy.frames.length
      yield* Scope.close(scope, Exit.void)
      const requests = proxy.frames.slice(before).filter((f) => f.direction === "toServer").flatMap((f) => smb2Messages(f.bytes))
      expect(requests.map((m) => [m.command, m.sessionId])).toEqual([
        [Command.TREE_DISCONNECT, sessionId],
        [Command.LOGOFF, sessionId]
      ])
      const answers = proxy.frames.slice(before).filter((f) => f.direction === "toClient").flatMap((f) => smb2Messages(f.bytes))
      expect(answers.map((m) => [m.command, m.status])).toEqual([[Command.TREE_DISCONNECT, 0], [Command.LOGOFF, 0]])
      expect(treeId).not.toBe(0)
    }))

  it.scopedLive("a layer that cannot be built fails with the server's reason: Session.layer (bad password), Tree.layer (bad share)", () =>
    Effect.gen(function*() {
      const server = servers.default
      const logon = yield* Effect.exit(Effect.scoped(Layer.build(stack(server, {}, "wrong-Secret-1"))))
      expect(logon).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_LOGON_FAILURE" } } })
      const share = yield* Effect.exit(Effect.scoped(Layer.build(stack(server, {}, server.password, "no-such-share"))))
      expect(share).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_BAD_NETWORK_NAME" } } })
    }))

  it.scopedLive("Connection.layerConfig reads the options from a Config; a missing SMB_HOST is a ConfigError", () =>
    Effect.gen(function*() {
      const server = servers.default
      const provider = ConfigProvider.fromJson({ SMB_HOST: server.host, SMB_PORT: server.port, SMB_MAX_DIALECT: "3.0.2", SMB_WORKER: "single" })
      const context = yield* Layer.build(Connection.layerConfig(ConnectionOptions.config)).pipe(Effect.withConfigProvider(provider))
      const connection = Context.get(context, Connection.Connection)
      expect([connection.negotiated.dialect, connection.options.worker, connection.options.port]).toEqual(["3.0.2", "single", server.port])
      expect((yield* connection.handler.stats).kind).toBe("single")
      const missing = yield* Effect.exit(Effect.scoped(Layer.build(Connection.layerConfig(ConnectionOptions.config))).pipe(
        Effect.withConfigProvider(ConfigProvider.fromJson({}))
      ))
      expect(missing).toMatchObject({ _tag: "Failure", cause: { error: { _op: "MissingData" } } })
    }))
})
