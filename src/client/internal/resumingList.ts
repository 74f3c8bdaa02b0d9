/**
 * A directory listing that survives a reconnect. Directory handles are not durable (Samba gives
 * them no lease and no durable handle), so a reconnect in the middle of a listing loses the handle
 * and the next QUERY_DIRECTORY fails with HandleLost. The listing then opens the directory again,
 * restarts the enumeration and leaves out the entries it has already emitted: every entry once.
 *
 * It remembers how many entries it emitted and the last one's name, not every name: a server
 * enumerates an unchanged directory in the same order (Samba in its readdir order), so the new
 * enumeration's first entries are those, and memory stays bounded by a response however large the
 * folder (a set of names would have grown with it). When the entry at that position is another
 * one, the directory changed while the connection was down and the listing fails with
 * HandleLost("ReopenFailed") rather than emit an entry twice or skip one.
 *
 * @since 0.1.0
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { HandleLost } from "../../errors.js"
import type { RequestError } from "../../errors.js"
import type { DirectoryEntry } from "../File.js"

/** Reopens in a row that emitted nothing new before the listing gives up. */
const MAX_IDLE_RESUMES = 3

/**
 * The entries `listing` emits; on a HandleLost (with `resumable`), `listing` run again (it opens
 * the directory anew) and the entries after those already emitted.
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
    let emitted = 0
    let last: string | undefined
    const changed = new HandleLost({ reason: "ReopenFailed", detail: "the directory changed while the connection was down" })
    const attempt = (idle: number): Stream.Stream<DirectoryEntry, RequestError> => {
      const skip = emitted
      const expected = last
      let seen = 0
      return listing.pipe(
        Stream.mapChunksEffect((chunk) => {
          const fresh: Array<DirectoryEntry> = []
          for (const entry of chunk) {
            seen++
            if (seen < skip) continue
            if (seen === skip) {
              if (entry.name !== expected) return Effect.fail(changed)
              continue
            }
            emitted++
            last = entry.name
            fresh.push(entry)
          }
          return Effect.succeed(Chunk.unsafeFromArray(fresh))
        }),
        Stream.catchAll((error) => {
          if (error._tag !== "HandleLost" || error === changed) return Stream.fail(error)
          const next = emitted > skip ? 0 : idle + 1
          return next > MAX_IDLE_RESUMES
            ? Stream.fail(error)
            : Stream.concat(Stream.fromEffect(Effect.logDebug("listing resumed after a reconnect", error)).pipe(Stream.drain), attempt(next))
        })
      )
    }
    return attempt(0)
  })
}
