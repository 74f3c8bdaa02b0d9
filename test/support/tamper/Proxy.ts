/**
 * A loopback man in the middle for the security tests: a TCP proxy on 127.0.0.1 that sits between
 * the client and a real server (only ever a loopback one), splits both byte streams into
 * direct-TCP frames and gives each frame to a per-direction hook before forwarding it. A hook can
 * pass the frame, replace it, drop it, or inject further frames in either direction. Every frame
 * is recorded (as received, and as forwarded), so tests can assert on what the client sent.
 *
 * Hooks are swapped at any time with `setHooks` (one proxy serves a whole test file, each test
 * arms the tampering it needs once its session is up); `reset` also forgets the records.
 */
import { createServer, Socket } from "node:net"
import type { AddressInfo, Server } from "node:net"
import { FrameSplitter, frameOf } from "./framing.js"

/** "toServer": client to server (requests); "toClient": server to client (responses). */
export type Direction = "toServer" | "toClient"

export interface FrameRecord {
  /** Which client connection (0, 1, ... in accept order). */
  readonly connection: number
  readonly direction: Direction
  /** Position among the frames of this direction on this connection, injected ones included. */
  readonly seq: number
  /** The frame as received (for an injected frame: as injected). */
  readonly original: Uint8Array
  /** What was written on: the hook's replacement, or null when dropped. */
  readonly forwarded: Uint8Array | null
  readonly injected: boolean
  readonly modified: boolean
  readonly at: number
}

export interface HookContext {
  readonly connection: number
  readonly direction: Direction
  /** This frame's position among the frames of its direction on its connection. */
  readonly seq: number
  /** Writes `frame` now, before the frame being judged goes on (if it does). */
  readonly inject: (direction: Direction, frame: Uint8Array) => void
  /** Everything recorded on this connection so far. */
  readonly records: () => ReadonlyArray<FrameRecord>
}

/** undefined or "pass": forward as received; a Uint8Array: forward that instead; "drop": forward nothing. */
export type HookResult = undefined | "pass" | "drop" | Uint8Array

export type Hook = (frame: Uint8Array, context: HookContext) => HookResult

export interface Hooks {
  readonly toServer?: Hook
  readonly toClient?: Hook
}

export interface DirectionCounts {
  seen: number
  forwarded: number
  modified: number
  dropped: number
  injected: number
}

export interface Counts {
  readonly connections: number
  readonly open: number
  readonly toServer: Readonly<DirectionCounts>
  readonly toClient: Readonly<DirectionCounts>
  /** Hook exceptions and framing errors (each closes its connection). */
  readonly errors: ReadonlyArray<string>
}

export interface ProxyOptions {
  readonly targetHost: string
  readonly targetPort: number
  readonly hooks?: Hooks
  /** How long `close` waits for sockets to go; default 2000 ms. */
  readonly closeTimeoutMs?: number
}

export interface TamperProxy {
  readonly host: string
  readonly port: number
  /** Replaces the hooks (for frames read from now on). */
  readonly setHooks: (hooks: Hooks) => void
  /** Clears the hooks, the records and the counts. */
  readonly reset: (hooks?: Hooks) => void
  /** The records, optionally of one direction and/or one connection. */
  readonly records: (filter?: { readonly direction?: Direction | undefined; readonly connection?: number | undefined }) => ReadonlyArray<FrameRecord>
  /** Writes a frame on a connection (default the most recent one still open). */
  readonly inject: (direction: Direction, frame: Uint8Array, connection?: number | undefined) => void
  readonly counts: () => Counts
  /** The index of the most recent connection still open, if any. */
  readonly latestConnection: () => number | undefined
  /** Resolves once `predicate` holds for a record (checked on every new record); rejects after `timeoutMs`. */
  readonly waitFor: (predicate: (record: FrameRecord) => boolean, timeoutMs?: number) => Promise<FrameRecord>
  /** Stops listening and destroys every socket; bounded, idempotent. */
  readonly close: () => Promise<void>
}

const LOOPBACK = /^127\.\d+\.\d+\.\d+$/

const zeroCounts = (): DirectionCounts => ({ seen: 0, forwarded: 0, modified: 0, dropped: 0, injected: 0 })

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0

interface Pair {
  readonly index: number
  readonly client: Socket
  readonly server: Socket
  readonly seq: Record<Direction, number>
  open: boolean
}

export const startProxy = (options: ProxyOptions): Promise<TamperProxy> => {
  if (!LOOPBACK.test(options.targetHost)) {
    return Promise.reject(new Error(`the tamper proxy only forwards to 127.0.0.0/8, not ${options.targetHost}`))
  }
  let hooks: Hooks = options.hooks ?? {}
  let records: Array<FrameRecord> = []
  let counts = { toServer: zeroCounts(), toClient: zeroCounts() }
  const errors: Array<string> = []
  const pairs: Array<Pair> = []
  const sockets = new Set<Socket>()
  const watchers = new Set<(record: FrameRecord) => void>()
  let connections = 0
  let closed = false

  const record = (r: FrameRecord) => {
    records.push(r)
    for (const watch of [...watchers]) watch(r)
  }

  const destination = (pair: Pair, direction: Direction): Socket => (direction === "toServer" ? pair.server : pair.client)

  const write = (pair: Pair, direction: Direction, frame: Uint8Array) => {
    const socket = destination(pair, direction)
    if (!socket.destroyed && socket.writable) socket.write(frameOf(frame))
  }

  const injectOn = (pair: Pair, direction: Direction, frame: Uint8Array) => {
    const copy = new Uint8Array(frame)
    record({
      connection: pair.index,
      direction,
      seq: pair.seq[direction]++,
      original: copy,
      forwarded: copy,
      injected: true,
      modified: false,
      at: Date.now()
    })
    counts[direction].injected++
    write(pair, direction, copy)
  }

  const shut = (pair: Pair, reason?: string) => {
    if (reason !== undefined) errors.push(`connection ${pair.index}: ${reason}`)
    pair.open = false
    pair.client.destroy()
    pair.server.destroy()
  }

  const onFrame = (pair: Pair, direction: Direction, frame: Uint8Array) => {
    const seq = pair.seq[direction]++
    counts[direction].seen++
    const hook = hooks[direction]
    let result: HookResult
    try {
      result = hook?.(frame, {
        connection: pair.index,
        direction,
        seq,
        inject: (to, injected) => injectOn(pair, to, injected),
        records: () => records.filter((r) => r.connection === pair.index)
      })
    } catch (error) {
      shut(pair, `${direction} hook threw: ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    const forwarded = result === "drop" ? null : result === undefined || result === "pass" ? frame : result
    const modified = forwarded !== null && forwarded !== frame && !sameBytes(forwarded, frame)
    record({ connection: pair.index, direction, seq, original: frame, forwarded, injected: false, modified, at: Date.now() })
    if (forwarded === null) {
      counts[direction].dropped++
      return
    }
    counts[direction].forwarded++
    if (modified) counts[direction].modified++
    write(pair, direction, forwarded)
  }

  const pipe = (pair: Pair, from: Socket, direction: Direction) => {
    const splitter = new FrameSplitter()
    from.on("data", (chunk: Buffer) => {
      if (!pair.open) return
      let frames: Array<Uint8Array>
      try {
        frames = splitter.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      } catch (error) {
        shut(pair, error instanceof Error ? error.message : String(error))
        return
      }
      for (const frame of frames) {
        if (!pair.open) return
        onFrame(pair, direction, frame)
      }
    })
  }

  const server: Server = createServer({ noDelay: true }, (client) => {
    if (closed) {
      client.destroy()
      return
    }
    const upstream = new Socket()
    const pair: Pair = { index: connections++, client, server: upstream, seq: { toServer: 0, toClient: 0 }, open: true }
    pairs.push(pair)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.on("error", () => {})
      socket.on("close", () => {
        sockets.delete(socket)
        if (pair.open) shut(pair)
      })
    }
    // Reading waits until the upstream is connected, so nothing the client sends is lost.
    client.pause()
    upstream.connect({ host: options.targetHost, port: options.targetPort }, () => {
      if (!pair.open) return
      client.resume()
    })
    pipe(pair, client, "toServer")
    pipe(pair, upstream, "toClient")
  })

  const close = () =>
    new Promise<void>((resolve) => {
      if (closed && sockets.size === 0) {
        resolve()
        return
      }
      closed = true
      const timer = setTimeout(resolve, options.closeTimeoutMs ?? 2_000)
      timer.unref()
      for (const pair of pairs) if (pair.open) shut(pair)
      for (const socket of sockets) socket.destroy()
      server.close(() => {
        clearTimeout(timer)
        resolve()
      })
    })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      const { port } = server.address() as AddressInfo
      const latest = () => [...pairs].reverse().find((p) => p.open)
      resolve({
        host: "127.0.0.1",
        port,
        setHooks: (next) => {
          hooks = next
        },
        reset: (next = {}) => {
          hooks = next
          records = []
          counts = { toServer: zeroCounts(), toClient: zeroCounts() }
          errors.length = 0
        },
        records: (filter = {}) =>
          records.filter((r) =>
            (filter.direction === undefined || r.direction === filter.direction) &&
            (filter.connection === undefined || r.connection === filter.connection)
          ),
        inject: (direction, frame, connection) => {
          const pair = connection === undefined ? latest() : pairs.find((p) => p.index === connection && p.open)
          if (pair === undefined) throw new Error(`no open proxied connection${connection === undefined ? "" : ` ${connection}`}`)
          injectOn(pair, direction, frame)
        },
        counts: () => ({
          connections,
          open: pairs.filter((p) => p.open).length,
          toServer: { ...counts.toServer },
          toClient: { ...counts.toClient },
          errors: [...errors]
        }),
        latestConnection: () => latest()?.index,
        waitFor: (predicate, timeoutMs = 2_000) =>
          new Promise((resolveWait, rejectWait) => {
            const found = records.find(predicate)
            if (found !== undefined) {
              resolveWait(found)
              return
            }
            const watch = (r: FrameRecord) => {
              if (!predicate(r)) return
              clearTimeout(timer)
              watchers.delete(watch)
              resolveWait(r)
            }
            const timer = setTimeout(() => {
              watchers.delete(watch)
              rejectWait(new Error(`tamper proxy: no matching frame within ${timeoutMs} ms`))
            }, timeoutMs)
            watchers.add(watch)
          }),
        close
      })
    })
  })
}
