/**
 * effect-smb: an Effect-native SMB2/3 client.
 *
 * Flat at the top: the typed errors, so that `catchTag` and `instanceof` read naturally. Every
 * other module is a namespace, as in Effect's own packages: the client (`Session`, `Tree`, `File`,
 * `Files`, `Metadata`, `Security`), the connection core (`Connection`, `ConnectionOptions`, `Worker`, `SingleWorker`,
 * `ParallelWorker`, `MultiWorkerBackend`, `FiberBackend`, `ThreadBackend`, `MessageHandler`,
 * `Transformer`, `CreditWindow`, `Message`), the `Transport` service and `TcpTransport`, and the
 * lower layers as `Wire`, `Crypto` and `Auth` (the codecs are also the `effect-smb/wire` entry
 * point; the scriptable fake server is `effect-smb/testing`).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * from "./errors.js"

/** @since 0.1.0 */
export * as File from "./client/File.js"

/** @since 0.1.0 */
export * as Files from "./client/Files.js"

/** @since 0.1.0 */
export * as Folders from "./client/Folders.js"

/** @since 0.1.0 */
export { FolderError } from "./client/Folders.js"

/** @since 0.1.0 */
export * as Metadata from "./client/Metadata.js"

/** @since 0.1.0 */
export * as Security from "./client/Security.js"

/** @since 0.1.0 */
export * as Session from "./client/Session.js"

/** @since 0.1.0 */
export * as Tree from "./client/Tree.js"

/** @since 0.1.0 */
export * as Dfs from "./client/Dfs.js"

/** @since 0.1.0 */
export * as SessionPool from "./client/SessionPool.js"

/**
 * The errors of the DCE/RPC layer, flat like the others; `Shares` lists a server's shares over
 * srvsvc, and `Rpc` holds that layer's modules (PDUs, NDR, the pipe, bind and call).
 *
 * @since 0.1.0
 */
export * from "./rpc/errors.js"

/** @since 0.1.0 */
export * as Shares from "./rpc/Shares.js"

/** @since 0.1.0 */
export * as Rpc from "./rpc/index.js"

/** @since 0.1.0 */
export * from "./connection/index.js"

/** @since 0.1.0 */
export * as Transport from "./transport/Transport.js"

/** @since 0.1.0 */
export * as TcpTransport from "./transport/TcpTransport.js"

/** @since 0.1.0 */
export * as Wire from "./wire/index.js"

/** @since 0.1.0 */
export * as Crypto from "./crypto/index.js"

/** @since 0.1.0 */
export * as Auth from "./auth/index.js"
