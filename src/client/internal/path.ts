/**
 * Share-relative paths as users write them ("docs/a.txt", "/docs\\a.txt") and as SMB2 wants them
 * ("docs\\a.txt": backslashes, never a leading separator, "" for the share root).
 *
 * @since 0.1.0
 * @internal
 */
import { randomBytes } from "node:crypto"

// A "\\", or an empty or "." segment (at the start, between separators or at the end).
const needsCleaning = /\\|(?:^|\/)\.?(?:\/|$)/

/**
 * The wire form of `path`: "/" and "\\" both separate, empty and "." segments are dropped, so
 * "/", "" and "." all name the share root ("").
 *
 * @since 0.1.0
 */
export const toWirePath = (path: string): string =>
  // Most paths have no "\\", no empty and no "." segment: their separators only change (a tree
  // operation converts a few paths per file).
  needsCleaning.test(path) ? path
    .split(/[\\/]+/)
    .filter((segment) => segment !== "" && segment !== ".")
    .join("\\") : path.replaceAll("/", "\\")

/**
 * The user form of a wire path: "/" separators, no leading separator.
 *
 * @since 0.1.0
 */
export const fromWirePath = (path: string): string => toWirePath(path).replaceAll("\\", "/")

/**
 * `name` inside the directory `directory`, in user form.
 *
 * @since 0.1.0
 */
export const joinPath = (directory: string, name: string): string => {
  const parent = fromWirePath(directory)
  const child = fromWirePath(name)
  return parent === "" ? child : child === "" ? parent : `${parent}/${child}`
}

// One random draw per process, then a counter: as unlikely to meet another process's names as a
// draw per name, and a tree download names a thousand files (randomBytes cost ~20 us each).
const temporaryPrefix = randomBytes(6).toString("hex")
let temporaryCount = 0
const temporarySuffix = (): string => `.smb-${temporaryPrefix}${(temporaryCount++).toString(16)}.part`

/**
 * The temporary name a whole-file write uses before it is renamed over `path`: a hidden name in
 * the same folder (`.NAME.smb-<random>.part`), so that the rename stays inside the directory.
 *
 * @since 0.1.0
 */
export const temporaryPath = (path: string): string => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}${temporarySuffix()}`
}

/**
 * The temporary name a local file is written under before it is renamed over `destination`
 * (a local path, "/"-separated): `.NAME.smb-<random>.part` beside it, so that the rename stays
 * inside the directory and never crosses a file system.
 *
 * @since 0.1.0
 */
export const localTemporaryPath = (destination: string): string => {
  const slash = destination.lastIndexOf("/")
  return `${destination.slice(0, slash + 1)}.${destination.slice(slash + 1)}${temporarySuffix()}`
}
