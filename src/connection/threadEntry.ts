/**
 * The ThreadBackend's worker thread entry point. Side effect only: importing it anywhere but in
 * the worker thread would try to run the thread's side there; the logic lives in
 * internal/threadRunner.ts.
 *
 * @since 0.1.0
 */
import { runThread } from "./internal/threadRunner.js"

runThread()
