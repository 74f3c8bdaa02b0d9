/**
 * The byte stream under a connection: the Transport tag, direct TCP framing, the TCP transport and
 * an in-memory pair for tests.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Framing from "./Framing.js"
/** @since 0.1.0 */
export * as MemoryTransport from "./MemoryTransport.js"
/** @since 0.1.0 */
export * as TcpTransport from "./TcpTransport.js"
/** @since 0.1.0 */
export * from "./Transport.js"
