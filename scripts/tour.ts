/**
 * The tour (`npm start`): one run through what effect-smb does against a real server, printed as
 * it happens. It negotiates SMB 3.1.1, authenticates with NTLMv2, requires an encrypted session,
 * writes a file and reads it back, lists the share, and receives a change notification for a file
 * that a second connection creates; then it prints the negotiated security.
 *
 * The server: SMB_URL when set (smb://[DOMAIN;]user[:password]@host[:port]/share, the password may
 * come from SMB_PASSWORD), otherwise a throwaway Samba on 127.0.0.1 that the tour starts and
 * stops itself (test/support/samba: needs root; installs Samba with apt-get when missing).
 *
 * Whatever happens, the tour's directory on the share is removed and the Samba it started is
 * stopped: on success, on failure and on Ctrl-C (NodeRuntime interrupts the program, which runs
 * every finalizer; the harness's own signal handler stops smbd first).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Url from "../src/cli/Url.js"
import * as Connection from "../src/connection/Connection.js"
import type { ConnectionOptions } from "../src/connection/ConnectionOptions.js"
import { ensureSambaInstalled, startSamba, stopSamba } from "../test/support/samba/Samba.js"

class TourError extends Data.TaggedError("TourError")<{ readonly detail: string; readonly cause?: unknown }> {
  override get message(): string {
    return this.detail
  }
}

interface Target {
  readonly label: string
  readonly host: string
  readonly port: number
  readonly share: string
  readonly credentials: Session.Credentials
  readonly user: string
}

const print = (line = "") => Effect.sync(() => process.stdout.write(`${line}\n`))
const step = (n: number, title: string) => print(`\n${n}. ${title}`)
const detail = (line: string) => print(`   ${line}`)
const yesNo = (value: boolean) => (value ? "yes" : "no")
const since = (start: number) => `${Math.round(performance.now() - start)} ms`

/** The server named by SMB_URL. */
const fromUrl = (text: string) =>
  Effect.gen(function*() {
    const url = yield* Url.resolve(text)
    const credentials = Url.credentials(url)
    if (url.share === undefined) return yield* new TourError({ detail: "SMB_URL must name a share: smb://user@host/share" })
    if (credentials === undefined) return yield* new TourError({ detail: "SMB_URL must name a user: the tour authenticates" })
    const target: Target = {
      label: `${Url.format(url)} (from SMB_URL)`,
      host: url.host,
      port: url.port ?? 445,
      share: url.share,
      credentials,
      user: url.user ?? ""
    }
    return target
  })

/** A private Samba on loopback, stopped when the Scope closes. */
const throwawaySamba = Effect.acquireRelease(
  Effect.tryPromise({
    try: async () => {
      await ensureSambaInstalled()
      return startSamba({ variant: "default" })
    },
    catch: (cause) => new TourError({ detail: `could not start Samba: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  }),
  (server) => Effect.zipRight(Effect.promise(() => stopSamba(server)), print(`\nSamba (pid ${server.pid}) stopped.`))
).pipe(
  Effect.map((server): Target => ({
    label: `throwaway Samba on ${server.host}:${server.port} (pid ${server.pid}, started in ${server.startMs} ms)`,
    host: server.host,
    port: server.port,
    share: server.share,
    credentials: Session.user(server.user, Redacted.make(server.password)),
    user: server.user
  }))
)

/** Connection, session and tree, each closed when the Scope closes. */
const connect = (target: Target, options: ConnectionOptions) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer(options))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, target.credentials)
    const tree = yield* Tree.make(session, target.share)
    return { connection, session, tree }
  })

const tour = Effect.gen(function*() {
  const smbUrl = process.env.SMB_URL
  const target = smbUrl === undefined || smbUrl === "" ? yield* throwawaySamba : yield* fromUrl(smbUrl)
  yield* print(`effect-smb tour against ${target.label}`)

  const options: ConnectionOptions = {
    host: target.host,
    port: target.port,
    minDialect: "3.1.1",
    maxDialect: "3.1.1",
    encryption: "required"
  }

  yield* step(1, "Negotiate")
  let start = performance.now()
  const context = yield* Layer.build(Connection.layer(options))
  const connection = Context.get(context, Connection.Connection)
  const { negotiated } = connection
  yield* detail(`SMB ${negotiated.dialect} in ${since(start)}; server GUID ${negotiated.serverGuid}`)
  yield* detail(`preauth integrity: SHA-512 over NEGOTIATE (${Buffer.from(connection.preauthHash?.value ?? []).toString("hex").slice(0, 16)}...)`)
  yield* detail(`cipher ${negotiated.encryption ?? "none"}, signing ${negotiated.signing}, server requires signing: ${yesNo(negotiated.signingRequired)}`)
  yield* detail(`max read ${negotiated.maxReadSize} B, max write ${negotiated.maxWriteSize} B`)

  yield* step(2, "Authenticate (NTLMv2 in SPNEGO), encryption required")
  start = performance.now()
  const session = yield* Session.make(connection, target.credentials)
  yield* detail(`logged on as ${target.user} in ${since(start)}; session 0x${session.id.toString(16)}, guest: ${yesNo(session.isGuest)}`)
  yield* detail(`every message of this session is encrypted: ${yesNo(session.encrypted)}`)
  const tree = yield* Tree.make(session, target.share)
  yield* detail(`share \\\\${target.host}\\${tree.share} connected (tree ${tree.id}), encrypted: ${yesNo(tree.encrypted)}`)

  const dir = `effect-smb-tour-${process.pid}-${Date.now().toString(36)}`
  yield* Files.mkdir(tree, dir)
  // Registered after the tree, so it runs before the tree disconnects: also on failure and Ctrl-C.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      const entries = yield* Stream.runCollect(Files.list(tree, dir))
      yield* Effect.forEach(entries, (entry) => Files.remove(tree, entry.path), { discard: true })
      yield* Files.rmdir(tree, dir)
    }).pipe(Effect.ignore)
  )

  yield* step(3, "Write a file and read it back")
  const data = new Uint8Array(randomBytes(4 * 1024 * 1024))
  start = performance.now()
  yield* Files.writeFile(tree, `${dir}/random.bin`, data)
  const written = since(start)
  start = performance.now()
  const back = yield* Files.readFile(tree, `${dir}/random.bin`)
  const same = Buffer.from(back).equals(Buffer.from(data))
  yield* detail(`${dir}/random.bin: 4 MiB written in ${written}, read back in ${since(start)}, identical: ${yesNo(same)}`)
  if (!same) return yield* new TourError({ detail: "the file read back differs from the one written" })
  yield* Files.writeFile(tree, `${dir}/hello.txt`, new TextEncoder().encode("Hello from effect-smb\n"))

  yield* step(4, "List the share")
  const root = yield* Stream.runCollect(Files.list(tree, ""))
  for (const entry of root) yield* detail(`${entry.isDirectory ? "d" : "-"} ${String(entry.size).padStart(9)}  ${entry.name}${entry.isDirectory ? "/" : ""}`)
  const inDir = yield* Stream.runCollect(Files.list(tree, dir))
  for (const entry of inDir) yield* detail(`- ${String(entry.size).padStart(9)}  ${entry.path}`)

  yield* step(5, "Watch a directory; a second connection creates a file in it")
  const writer = yield* connect(target, options)
  yield* detail(`second connection: SMB ${writer.connection.negotiated.dialect}, session 0x${writer.session.id.toString(16)}, encrypted: ${yesNo(writer.session.encrypted)}`)
  const watching = yield* Files.watch(tree, dir).pipe(
    Stream.filter((change) => change._tag === "Overflow" || change.action === "added"),
    Stream.runHead,
    Effect.fork
  )
  // The server records changes once the CHANGE_NOTIFY is pending: wait for it to be in flight.
  yield* connection.handler.stats.pipe(
    Effect.filterOrFail((stats) => stats.inFlight === 1, () => new TourError({ detail: "the watch did not start" })),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("5 seconds")))
  )
  start = performance.now()
  yield* Files.writeFile(writer.tree, `${dir}/notes.txt`, new TextEncoder().encode("created by the second connection\n"))
  const change = yield* Fiber.join(watching).pipe(
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new TourError({ detail: "no change notification within 10 s" }) })
  )
  if (change._tag === "Some" && change.value._tag === "Changed") {
    yield* detail(`notification after ${since(start)}: ${change.value.action} ${change.value.name}; the stream ended and closed the directory`)
  } else {
    yield* detail("notification: the server had too many changes to list (rescan)")
  }

  yield* step(6, "Negotiated security")
  const signingNote = session.encrypted
    ? "(not used: encryption protects every message, so none is signed separately)"
    : session.signingRequired
    ? "(every message signed and verified)"
    : "(available; not required)"
  yield* detail(`dialect      ${negotiated.dialect}`)
  yield* detail(`auth         NTLMv2 (in SPNEGO), as ${target.user}`)
  yield* detail(`signing      ${negotiated.signing} ${signingNote}`)
  yield* detail(`cipher       ${negotiated.encryption ?? "none"}`)
  yield* detail(`encrypted    session: ${yesNo(session.encrypted)}, share: ${yesNo(tree.encrypted)}`)
  yield* detail("preauth      SHA-512 integrity hash over NEGOTIATE and SESSION_SETUP, the key derivation's context")
  yield* print(`\nCleaning up: removing ${dir}, logging off, closing both connections.`)
}).pipe(Effect.scoped)

tour.pipe(
  Effect.tapErrorCause((cause) =>
    print(
      Cause.isInterruptedOnly(cause)
        ? "\ntour interrupted"
        : `\ntour failed: ${Option.match(Cause.failureOption(cause), { onSome: (error) => error.message, onNone: () => Cause.pretty(cause) })}`
    )
  ),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
