/**
 * The transfer plan: the chunk size and depth of a read or write on a tree, from the options, what
 * was negotiated and the worker (see File.ts for why transfers are cut this way).
 *
 * @since 0.1.0
 * @internal
 */
import type { TransferOptions } from "../File.js"
import type { TreeShape } from "../Tree.js"

const MAX_CHUNK = 8 * 1024 * 1024
const CREDIT_BYTES = 64 * 1024
const IN_FLIGHT_TARGET = 32 * 1024 * 1024
// Encrypted transfers are bound by the CPU, not by round trips, and every byte node:crypto
// encrypts or decrypts comes out in a fresh buffer that waits for the collector (V8 collects per
// 64 MB of such memory). Half the bytes in flight, in smaller messages (4 MiB x 4 against
// 8 MiB x 4 on loopback Samba): peak RSS 10-45 MB lower for downloads, uploads and the thread
// worker, for encrypted downloads about 5% slower (510 against 539 MiB/s, medians of five).
const ENCRYPTED_MAX_CHUNK = 4 * 1024 * 1024
const ENCRYPTED_IN_FLIGHT_TARGET = 16 * 1024 * 1024

/**
 * The chunk size and depth of a transfer on `tree`, from the options and what was negotiated;
 * never deeper than the worker's `maxInFlight` (one request at a time on the single worker).
 *
 * @since 0.1.0
 */
export const transferPlan = (
  tree: TreeShape,
  direction: "read" | "write",
  options: TransferOptions = {}
): { readonly chunkSize: number; readonly concurrency: number } => {
  const { negotiated, options: connectionOptions } = tree.session.connection
  const negotiatedMax = direction === "read" ? negotiated.maxReadSize : negotiated.maxWriteSize
  const creditBound = negotiated.largeMtu ? connectionOptions.creditBacklog * CREDIT_BYTES : CREDIT_BYTES
  const bound = Math.max(1, Math.min(negotiatedMax, creditBound, MAX_CHUNK))
  const preferred = tree.encrypted ? Math.min(bound, ENCRYPTED_MAX_CHUNK) : bound
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? preferred, bound))
  const target = tree.encrypted ? ENCRYPTED_IN_FLIGHT_TARGET : IN_FLIGHT_TARGET
  const wanted = Math.max(1, options.concurrency ?? Math.min(64, Math.max(2, Math.ceil(target / chunkSize))))
  // A worker that serves one request at a time (SingleWorker) gets one chunk at a time.
  const concurrency = Math.max(1, Math.min(wanted, tree.session.connection.handler.maxInFlight))
  return { chunkSize, concurrency }
}
