/**
 * A device like /dev/full for the tests of what `get` does when writing a device fails. As root,
 * a node of its own for the same device (1, 7), made with mknod in `dir`: a regression that
 * removes the target then removes that node, not the machine's /dev/full. Where mknod is not
 * allowed, /dev/full itself, which such a process cannot remove anyway.
 */
import { execFileSync } from "node:child_process"
import { join } from "node:path"

export const fullDevice = (dir: string): string => {
  const path = join(dir, "full")
  try {
    execFileSync("mknod", ["-m", "666", path, "c", "1", "7"], { stdio: "ignore" })
    return path
  } catch {
    return "/dev/full"
  }
}
