/**
 * Two URLs, a source and a target, for `smb cp` and `smb mv`: each resolved (its password
 * supplied), connected, logged on and its share connected. URLs for the same server as the same
 * account share one connection and session, and one tree when they name the same share: that is
 * what lets `cp` copy on the server and `mv` rename. The target's path names the file to write,
 * or, when it is the share root or an existing directory, the folder that gets the source's name.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { TreeShape } from "../client/Tree.js"
import * as Connect from "./Connect.js"
import type { ConnectOptions } from "./ConnectOptions.js"
import { CliError } from "./errors.js"
import { remoteTarget } from "./RemoteTarget.js"
import * as Url from "./Url.js"

/**
 * One side: its tree and its share-relative path.
 *
 * @since 0.1.0
 * @category models
 */
export interface Side {
  readonly tree: TreeShape
  readonly path: string
  readonly url: Url.SmbUrl
}

const lower = (text: string | undefined) => text?.toLowerCase()

const sameAccount = (a: Url.SmbUrl, b: Url.SmbUrl): boolean =>
  lower(a.host) === lower(b.host) && (a.port ?? 445) === (b.port ?? 445) && a.user === b.user && lower(a.domain) === lower(b.domain)

const samePassword = (a: Url.SmbUrl, b: Url.SmbUrl): boolean =>
  (a.password === undefined ? undefined : Redacted.value(a.password)) === (b.password === undefined ? undefined : Redacted.value(b.password))

/**
 * Connects both URLs and runs `use` with the two sides; everything is closed with the command's
 * Scope.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withSharePair = <A, E, R>(
  fromText: string,
  toText: string,
  o: ConnectOptions,
  use: (source: Side, target: Side) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const fromUrl = yield* Connect.resolve(fromText, o)
    const parsed = yield* Url.parse(toText)
    // The same account on the same server is asked for its password once.
    const toUrl = sameAccount(fromUrl, parsed) && parsed.password === undefined
      ? { ...parsed, password: fromUrl.password }
      : yield* Connect.resolve(toText, o)
    const from = yield* Connect.requirePath(fromUrl)
    if (toUrl.share === undefined) {
      return yield* new CliError({ reason: "Usage", detail: "the target URL names no share (smb://host/share/...)" })
    }
    const sourceTree = yield* Connect.share(fromUrl, o)
    const shared = sameAccount(fromUrl, toUrl) && samePassword(fromUrl, toUrl)
    const targetTree = !shared
      ? yield* Connect.share(toUrl, o)
      : lower(toUrl.share) === lower(fromUrl.share)
      ? sourceTree
      : yield* Connect.tree(sourceTree.session, toUrl, o)
    const to = yield* remoteTarget(targetTree, toUrl, Url.baseName(fromUrl)!)
    return yield* use({ tree: sourceTree, path: from, url: fromUrl }, { tree: targetTree, path: to, url: toUrl })
  })

/**
 * The two URL arguments of `cp` and `mv`, described with what the command does with each.
 *
 * @since 0.1.0
 * @category arguments
 */
export const args = (source: string, target: string) => ({
  from: Args.text({ name: "source" }).pipe(
    Args.withDescription(
      `${source}: smb://[[DOMAIN;]user[:password]@]host[:port]/share/path, percent-encoded (the password as for every command: ` +
        "prefer --password-file, SMB_PASSWORD or the prompt)."
    )
  ),
  to: Args.text({ name: "target" }).pipe(
    Args.withDescription(
      `${target}; another share or server too. ` +
        "The same account on the same server shares the source's connection and password."
    )
  )
})
