/**
 * Errors of requests made on an open handle from outside it (Metadata, Security): a ServerError
 * names the handle's share and path, as the handle's own operations' errors do.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import { ServerError } from "../../errors.js"
import type { FileHandle } from "../File.js"

/** `effect` with a ServerError that names no path given the handle's. @since 0.1.0 @internal */
export const named = (handle: FileHandle) => <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.mapError(effect, (error) =>
    error instanceof ServerError && error.path === undefined
      ? new ServerError({ ...error, share: handle.tree.share, path: handle.path }) as E
      : error)
