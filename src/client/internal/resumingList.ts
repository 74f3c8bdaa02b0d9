/**
 * A directory listing that survives a reconnect. Directory handles are not durable (Samba gives
 * them no lease and no durable handle), so a reconnect in the middle of a listing loses the handle
 * and the next QUERY_DIRECTORY fails with HandleLost. The listing then opens the directory again,
 * restarts the enumeration and leaves out the names it has already emitted: every entry once.
 * An entry added or removed meanwhile may or may not be seen, as in any listing of a changing
 * directory.
 *
 * The names emitted are kept for the length of the listing, on a reconnecting connection only.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { RequestError } from "../../errors.js"
import type { DirectoryEntry } from "../File.js"

/** Reopens in a row that emitted nothing new before the listing gives up. */
const MAX_IDLE_RESUMES = 3

/**
 * The entries `listing` emits; on a HandleLost (with `resumable`), `listing` run again (it opens
 * the directory anew) and the names not yet emitted.
 *
 * @since 0.1.0
 * @internal
 */
export const resumingList = (
  listing: Stream.Stream<DirectoryEntry, RequestError>,
  resumable: boolean
): Stream.Stream<DirectoryEntry, RequestError> => {
  if (!resumable) return listing
  return Stream.suspend(() => {
    const emitted = new Set<string>()
    const attempt = (idle: number): Stream.Stream<DirectoryEntry, RequestError> => {
      const before = emitted.size
      return listing.pipe(
        Stream.filter((entry) => {
          if (emitted.has(entry.name)) return false
          emitted.add(entry.name)
          return true
        }),
        Stream.catchAll((error) => {
          if (error._tag !== "HandleLost") return Stream.fail(error)
          const next = emitted.size > before ? 0 : idle + 1
          return next > MAX_IDLE_RESUMES
            ? Stream.fail(error)
            : Stream.concat(Stream.fromEffect(Effect.logDebug("listing resumed after a reconnect", error)).pipe(Stream.drain), attempt(next))
        })
      )
    }
    return attempt(0)
  })
}
