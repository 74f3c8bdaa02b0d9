/**
 * effect-smb/testing: test your SMB code without a server. `TestPeer` is a scriptable fake SMB2
 * server (frames and headers) over an in-memory pair or TCP loopback; `MemoryTransport.makePair`
 * is the raw in-memory connection under it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as MemoryTransport from "../transport/MemoryTransport.js"
/** @since 0.1.0 */
export * as TestPeer from "./TestPeer.js"
