/** What a local directory tree holds, to compare two trees: every file's SHA-256 and every directory. */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

/** Every file below `root` (relative path -> SHA-256, in path order), and every directory (relative path, sorted). */
export const snapshot = (root: string) => {
  const files = new Map<string, string>()
  const directories: Array<string> = []
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        directories.push(relative(root, path))
        visit(path)
      } else files.set(relative(root, path), createHash("sha256").update(readFileSync(path)).digest("hex"))
    }
  }
  visit(root)
  return { files: Object.fromEntries([...files].sort()), directories: directories.sort() }
}
