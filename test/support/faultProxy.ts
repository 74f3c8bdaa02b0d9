/**
 * A TCP fault proxy on 127.0.0.1 for reconnect tests: it forwards each accepted connection to a
 * loopback target and, as its plan says for that connection (numbered from 0), cuts it once a
 * number of bytes has crossed (both directions counted):
 *
 * - "reset": both sockets are destroyed with a TCP RST (`resetAndDestroy`), bytes still buffered
 *   in the proxy are discarded;
 * - "close": both sockets are ended with a FIN after what was forwarded so far;
 * - "stall": nothing more is forwarded either way, and both sockets stay open (a silent path).
 *
 * The byte that crosses the limit is not forwarded, so a cut may fall in the middle of a frame.
 * A hold keeps a new connection waiting (nothing forwarded, upstream not yet connected) until it
 * resolves: the time for a test to change something on the server between a cut and a reconnect.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"

export type CutMode = "reset" | "close" | "stall"

export interface Cut {
  readonly after: number
  readonly mode: CutMode
}

export interface FaultProxy {
  readonly host: string
  readonly port: number
  /** Connections accepted so far. */
  readonly connections: () => number
  /** Cuts made so far. */
  readonly cuts: () => number
  /** Replaces the plan: what happens to connection `index` (undefined: forwarded whole). */
  plan: (index: number) => Cut | undefined
  /** Replaces the hold: connection `index` is forwarded once the promise resolves (undefined: at once). */
  hold: (index: number) => Promise<void> | undefined
  /** Cuts every open connection now. */
  readonly cutAll: (mode: CutMode) => void
}

/** Cut the first `count` connections after `after` bytes each, then forward the rest whole. */
export const firstConnections = (count: number, cut: Cut) => (index: number): Cut | undefined => index < count ? cut : undefined

/** Cut connection 0 at `after[0]` bytes, connection 1 at `after[1]`, ...; the rest whole. */
export const cutsAt = (after: ReadonlyArray<number>, mode: CutMode) => (index: number): Cut | undefined =>
  after[index] === undefined ? undefined : { after: after[index]!, mode }

interface Pair {
  readonly client: Net.Socket
  readonly upstream: Net.Socket
  cut: (mode: CutMode) => void
}

/** A fault proxy to `target` (loopback only), closed with the Scope. */
export const makeFaultProxy = (
  target: { readonly host: string; readonly port: number },
  plan: (index: number) => Cut | undefined = () => undefined
): Effect.Effect<FaultProxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ proxy: FaultProxy; server: Net.Server; pairs: Set<Pair> }>((resume) => {
      if (!target.host.startsWith("127.")) throw new Error(`the fault proxy forwards to loopback only, not ${target.host}`)
      const pairs = new Set<Pair>()
      let accepted = 0
      let cuts = 0
      const proxy: FaultProxy = {
        host: "127.0.0.1",
        port: 0,
        connections: () => accepted,
        cuts: () => cuts,
        plan,
        hold: () => undefined,
        cutAll: (mode) => {
          for (const pair of pairs) pair.cut(mode)
        }
      }
      const server = Net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
        const index = accepted++
        const held = proxy.hold(index)
        if (held === undefined) forwardPair(client, index)
        else void held.then(() => client.destroyed || forwardPair(client, index))
      })
      const forwardPair = (client: Net.Socket, index: number) => {
        const cut = proxy.plan(index)
        const upstream = Net.connect({ host: target.host, port: target.port, noDelay: true })
        let crossed = 0
        let state: "open" | "stalled" | "done" = "open"
        const pair: Pair = {
          client,
          upstream,
          cut: (mode) => {
            if (state !== "open") return
            cuts++
            if (mode === "stall") {
              state = "stalled"
              return
            }
            state = "done"
            pairs.delete(pair)
            for (const socket of [client, upstream]) {
              if (mode === "reset") socket.resetAndDestroy()
              else socket.end()
            }
          }
        }
        pairs.add(pair)
        const forward = (from: Net.Socket, to: Net.Socket) =>
          from.on("data", (chunk: Buffer) => {
            if (state !== "open") return
            if (cut !== undefined && crossed + chunk.length > cut.after) {
              const room = cut.after - crossed
              crossed = cut.after
              // Written before the cut; a reset may still discard it, as a real one would.
              if (room > 0) to.write(chunk.subarray(0, room))
              pair.cut(cut.mode)
              return
            }
            crossed += chunk.length
            to.write(chunk)
          })
        forward(client, upstream)
        forward(upstream, client)
        for (const socket of [client, upstream]) {
          socket.on("error", () => {
            client.destroy()
            upstream.destroy()
          })
          socket.on("close", () => {
            pairs.delete(pair)
            client.destroy()
            upstream.destroy()
          })
          // A FIN from one side ends the other once everything before it is written.
          socket.on("end", () => (socket === client ? upstream : client).end())
        }
        client.resume()
      }
      server.listen(0, "127.0.0.1", () => {
        ;(proxy as { port: number }).port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({ proxy, server, pairs }))
      })
    }),
    ({ pairs, server }) =>
      Effect.async<void>((resume) => {
        for (const pair of pairs) {
          pair.client.destroy()
          pair.upstream.destroy()
        }
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))
