/**
 * DCE/RPC over SMB2 named pipes, above the client: the PDU codecs (`Pdu`), the NDR they carry
 * (`Ndr`), the srvsvc calls (`Srvsvc`), a pipe on a tree (`Pipe`), bind and call (`Rpc`), and the
 * share listing built on them (`Shares`). The errors are flat at the package's top level.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Ndr from "./Ndr.js"

/** @since 0.1.0 */
export * as Pdu from "./Pdu.js"

/** @since 0.1.0 */
export * as Pipe from "./Pipe.js"

/** @since 0.1.0 */
export * as Rpc from "./Rpc.js"

/** @since 0.1.0 */
export * as Shares from "./Shares.js"

/** @since 0.1.0 */
export * as Srvsvc from "./Srvsvc.js"
