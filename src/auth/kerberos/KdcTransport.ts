/**
 * The KDC exchange's own small transport (RFC 4120 7.2): one request, one reply, over UDP, or
 * over TCP with a 4-byte big-endian length prefix. UDP first, as MIT does, except for requests
 * over 1465 bytes (MIT's udp_preference_limit); a KRB_ERR_RESPONSE_TOO_BIG answer over UDP sends
 * the same request again over TCP (so does Samba's "Reply packet too large", see tooBig). Each KDC of the realm is tried in turn; when none answers the
 * failure is KerberosFailed "NoKdc" naming them.
 *
 * Host names go through the caller's `hosts` map first (the same map the SMB transport uses), so
 * a KDC that is in no DNS, or behind a tunnel, can still be named (names match case-insensitively).
 *
 * @since 0.1.0
 */
import { createSocket } from "node:dgram"
import { connect } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { KerberosFailed } from "../../errors.js"
import { hostAddress } from "../../transport/hosts.js"
import { decodeKdcResponse, ErrorCode } from "./Messages.js"

/** @since 0.1.0 @category models */
export interface KdcAddress {
  readonly host: string
  readonly port: number
}

/** @since 0.1.0 @category models */
export interface KdcTransportOptions {
  readonly hosts?: Readonly<Record<string, string>> | undefined
  /** Per attempt. Default 3 seconds. */
  readonly timeoutMillis?: number | undefined
  /** "udp" (default: UDP, then TCP when needed) or "tcp" only. */
  readonly protocol?: "udp" | "tcp" | undefined
}

const UDP_LIMIT = 1465

/** "host", "host:port" or "[v6]:port" to an address, default port 88. @since 0.1.0 */
export const parseKdc = (text: string): KdcAddress => {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracket !== null) return { host: bracket[1]!, port: bracket[2] === undefined ? 88 : Number(bracket[2]) }
  const colon = text.lastIndexOf(":")
  if (colon > 0 && text.indexOf(":") === colon) return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) }
  return { host: text, port: 88 }
}

const udp = (host: string, port: number, request: Uint8Array, timeoutMillis: number) =>
  Effect.async<Uint8Array, Error>((resume) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4")
    const timer = setTimeout(() => finish(Either.left(new Error(`no answer within ${timeoutMillis} ms`))), timeoutMillis)
    let done = false
    const finish = (result: Either.Either<Uint8Array, Error>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.close()
      resume(Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left))
    }
    socket.on("error", (error) => finish(Either.left(error)))
    socket.on("message", (message) => finish(Either.right(new Uint8Array(message))))
    socket.send(request, port, host, (error) => {
      if (error) finish(Either.left(error))
    })
    return Effect.sync(() => finish(Either.left(new Error("interrupted"))))
  })

/** The largest reply accepted over TCP: far above any ticket, far below a memory problem. */
const MAX_TCP_REPLY = 1 << 20

const tcp = (host: string, port: number, request: Uint8Array, timeoutMillis: number) =>
  Effect.async<Uint8Array, Error>((resume) => {
    const socket = connect({ host, port })
    const chunks: Array<Buffer> = []
    let received = 0
    let done = false
    const timer = setTimeout(() => finish(Either.left(new Error(`no answer within ${timeoutMillis} ms`))), timeoutMillis)
    const finish = (result: Either.Either<Uint8Array, Error>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left))
    }
    socket.on("error", (error) => finish(Either.left(error)))
    socket.on("connect", () => {
      const prefix = Buffer.alloc(4)
      prefix.writeUInt32BE(request.byteLength)
      socket.write(Buffer.concat([prefix, request]))
    })
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.byteLength
      if (received < 4) return
      const all = Buffer.concat(chunks)
      const length = all.readUInt32BE(0)
      if (length > MAX_TCP_REPLY) return finish(Either.left(new Error(`reply of ${length} bytes`)))
      if (all.byteLength >= 4 + length) finish(Either.right(new Uint8Array(all.subarray(4, 4 + length))))
    })
    socket.on("end", () => finish(Either.left(new Error("connection closed before the reply"))))
    return Effect.sync(() => finish(Either.left(new Error("interrupted"))))
  })

// Samba's KDC says KRB_ERR_GENERIC (60) with the text "Reply packet too large" where RFC 4120
// says KRB_ERR_RESPONSE_TOO_BIG (52); both mean "ask again over TCP".
const tooBig = (reply: Uint8Array): boolean => {
  const decoded = decodeKdcResponse(reply)
  if (Either.isLeft(decoded) || decoded.right._tag !== "KrbError") return false
  const { code, text } = decoded.right
  return code === ErrorCode.RESPONSE_TOO_BIG || (code === ErrorCode.GENERIC && text !== undefined && /too (large|big)/i.test(text))
}

/**
 * Sends `request` to the first of `kdcs` that answers; the reply's bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exchange = (
  kdcs: ReadonlyArray<KdcAddress>,
  request: Uint8Array,
  options: KdcTransportOptions = {}
): Effect.Effect<Uint8Array, KerberosFailed> =>
  Effect.suspend(() => {
    const timeout = options.timeoutMillis ?? 3_000
    const failures: Array<string> = []
    const attempt = (kdc: KdcAddress): Effect.Effect<Uint8Array, Error> => {
      const host = hostAddress(options.hosts, kdc.host) ?? kdc.host
      if (options.protocol === "tcp" || request.byteLength > UDP_LIMIT) return tcp(host, kdc.port, request, timeout)
      return udp(host, kdc.port, request, timeout).pipe(
        Effect.flatMap((reply) => (tooBig(reply) ? tcp(host, kdc.port, request, timeout) : Effect.succeed(reply)))
      )
    }
    const loop = (index: number): Effect.Effect<Uint8Array, KerberosFailed> => {
      const kdc = kdcs[index]
      if (kdc === undefined) {
        return Effect.fail(
          new KerberosFailed({ reason: "NoKdc", detail: kdcs.length === 0 ? "no KDC configured for the realm" : failures.join("; ") })
        )
      }
      return attempt(kdc).pipe(
        Effect.catchAll((error) => {
          failures.push(`${kdc.host}:${kdc.port}: ${error.message}`)
          return loop(index + 1)
        })
      )
    }
    return loop(0)
  })
