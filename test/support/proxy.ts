/**
 * A recording TCP forwarder on 127.0.0.1, for tests that check what actually crossed the wire
 * between the client and a real server: every frame in both directions is recorded (the 4-byte
 * session header removed), and a frame from the client may be rewritten on its way (to corrupt a
 * signature, for instance). One upstream connection per accepted client connection.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"

/** One frame as it crossed the proxy. */
export interface ProxiedFrame {
  readonly direction: "toServer" | "toClient"
  /** The connection it crossed on, counted from 0. */
  readonly connection: number
  /** The frame, without its 4-byte session header, as it went on (after any rewrite). */
  readonly bytes: Uint8Array
  /** The rewrite changed it. */
  readonly rewritten: boolean
}

export interface Proxy {
  readonly port: number
  /** Every frame so far, in the order the proxy forwarded them. */
  readonly frames: ReadonlyArray<ProxiedFrame>
  /**
   * Called for every frame from the client before it is forwarded; returns the bytes to forward
   * instead (same length or not), or undefined to forward it as it is. Set and unset at will.
   */
  rewriteToServer: ((frame: Uint8Array) => Uint8Array | undefined) | undefined
}

/** Splits a TCP stream into frames (the 4-byte prefix: a zero byte, then a 24-bit length). */
const deframer = (onFrame: (frame: Uint8Array) => void) => {
  let pending: Buffer = Buffer.alloc(0)
  return (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    for (;;) {
      if (pending.length < 4) return
      const length = pending.readUInt32BE(0) & 0x00ffffff
      if (pending.length < 4 + length) return
      onFrame(new Uint8Array(pending.subarray(4, 4 + length)))
      pending = pending.subarray(4 + length)
    }
  }
}

const framed = (frame: Uint8Array): Buffer => {
  const out = Buffer.alloc(4 + frame.byteLength)
  out.writeUInt32BE(frame.byteLength, 0)
  out.set(frame, 4)
  return out
}

/** A proxy to `target` (on loopback), closed with the Scope. */
export const makeProxy = (target: { readonly host: string; readonly port: number }): Effect.Effect<Proxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ proxy: Proxy; server: Net.Server; sockets: Set<Net.Socket> }>((resume) => {
      if (!target.host.startsWith("127.")) throw new Error(`the proxy forwards to loopback only, not ${target.host}`)
      const frames: Array<ProxiedFrame> = []
      const sockets = new Set<Net.Socket>()
      let connections = 0
      const proxy: Proxy = { port: 0, frames, rewriteToServer: undefined }
      const server = Net.createServer({ noDelay: true }, (client) => {
        const connection = connections++
        const upstream = Net.connect({ host: target.host, port: target.port, noDelay: true })
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on("error", () => {
            client.destroy()
            upstream.destroy()
          })
          socket.on("close", () => {
            sockets.delete(socket)
            client.destroy()
            upstream.destroy()
          })
        }
        client.on("data", deframer((frame) => {
          const replaced = proxy.rewriteToServer?.(frame)
          const bytes = replaced ?? frame
          frames.push({ direction: "toServer", connection, bytes, rewritten: replaced !== undefined })
          upstream.write(framed(bytes))
        }))
        upstream.on("data", deframer((frame) => {
          frames.push({ direction: "toClient", connection, bytes: frame, rewritten: false })
          client.write(framed(frame))
        }))
      })
      server.listen(0, "127.0.0.1", () => {
        ;(proxy as { port: number }).port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({ proxy, server, sockets }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))

// ---------------------------------------------------------------------------------------------
// Reading frames

/** The protocol of a frame by its first four bytes. */
export const protocolOf = (frame: Uint8Array): "smb1" | "smb2" | "transform" | "compressed" | "other" => {
  if (frame.byteLength < 4 || frame[1] !== 0x53 || frame[2] !== 0x4d || frame[3] !== 0x42) return "other"
  switch (frame[0]) {
    case 0xff:
      return "smb1"
    case 0xfe:
      return "smb2"
    case 0xfd:
      return "transform"
    case 0xfc:
      return "compressed"
    default:
      return "other"
  }
}

/** The fields of a plain SMB2 header this file's tests read (MS-SMB2 2.2.1.2). */
export interface RawHeader {
  readonly command: number
  readonly status: number
  readonly flags: number
  readonly messageId: bigint
  readonly sessionId: bigint
  readonly signature: Uint8Array
  /** Offset of this message in its frame (compounds). */
  readonly offset: number
}

/** The SMB2 messages of a plain (not transformed) SMB2 frame, following NextCommand. */
export const smb2Messages = (frame: Uint8Array): Array<RawHeader> => {
  if (protocolOf(frame) !== "smb2") return []
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const out: Array<RawHeader> = []
  for (let at = 0; at + 64 <= frame.byteLength;) {
    out.push({
      command: view.getUint16(at + 12, true),
      status: view.getUint32(at + 8, true),
      flags: view.getUint32(at + 16, true),
      messageId: view.getBigUint64(at + 24, true),
      sessionId: view.getBigUint64(at + 40, true),
      signature: frame.slice(at + 48, at + 64),
      offset: at
    })
    const next = view.getUint32(at + 20, true)
    if (next === 0) break
    at += next
  }
  return out
}

/** SMB2 header flag SIGNED (MS-SMB2 2.2.1.2: Flags at offset 16, bit 0x8). */
export const SIGNED = 0x8
