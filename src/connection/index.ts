/**
 * The connection core, mirroring the seed's class diagram: the Worker service and its two
 * implementations (SingleWorker; ParallelWorker over a MultiWorkerBackend: FiberBackend, or
 * ThreadBackend, which runs the socket and the transform in a worker thread), the
 * MessageHandler that assigns message ids and credits over a Worker, the Transformer that turns
 * messages into frames and back, the credit window, the messages that cross the Worker boundary,
 * and the Connection (negotiation) with its options. The thread's entry point (threadEntry.ts)
 * runs on import, so it is not exported.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Connection from "./Connection.js"

/** @since 0.1.0 */
export * as ConnectionOptions from "./ConnectionOptions.js"

/** @since 0.1.0 */
export * as CreditWindow from "./CreditWindow.js"

/** @since 0.1.0 */
export * as FiberBackend from "./FiberBackend.js"

/** @since 0.1.0 */
export * as Message from "./Message.js"

/** @since 0.1.0 */
export * as MessageHandler from "./MessageHandler.js"

/** @since 0.1.0 */
export * as MultiWorkerBackend from "./MultiWorkerBackend.js"

/** @since 0.1.0 */
export * as ParallelWorker from "./ParallelWorker.js"

/** @since 0.1.0 */
export * as SingleWorker from "./SingleWorker.js"

/** @since 0.1.0 */
export * as ThreadBackend from "./ThreadBackend.js"

/** @since 0.1.0 */
export * as Transformer from "./Transformer.js"

/** @since 0.1.0 */
export * as Worker from "./Worker.js"
