// Run before `npm test`, `npm start` and `npm run samba` (their pre-scripts): installs the locked
// dependencies with `npm ci` when node_modules is missing or does not hold what package-lock.json
// says, and does nothing otherwise, so a fresh clone needs no separate install step and a second
// run does not reinstall. Node built-ins only: it runs before anything is installed.
//
// npm records what it installed in node_modules/.package-lock.json. node_modules is up to date
// when every package the lock lists is installed at its locked version (packages of other
// platforms, marked optional, may be absent) and nothing else is installed.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const readPackages = (path) => {
  try {
    return JSON.parse(readFileSync(path, "utf8")).packages ?? {}
  } catch {
    return undefined
  }
}

/** Why node_modules differs from the lock, or undefined when it does not. */
const staleness = () => {
  const locked = readPackages(`${root}package-lock.json`)
  if (locked === undefined) return "package-lock.json is missing"
  const installed = readPackages(`${root}node_modules/.package-lock.json`)
  if (installed === undefined) return "node_modules is missing"
  for (const [path, entry] of Object.entries(locked)) {
    if (path === "") continue
    const have = installed[path]
    if (have === undefined) {
      if (entry.optional === true || entry.devOptional === true) continue
      return `${path} is not installed`
    }
    if (have.version !== entry.version || have.link !== entry.link) {
      return `${path} is ${have.version}, the lock says ${entry.version}`
    }
  }
  for (const path of Object.keys(installed)) {
    if (!(path in locked)) return `${path} is installed but not in the lock`
  }
  return undefined
}

const reason = staleness()
if (reason !== undefined) {
  process.stderr.write(`ensure-deps: ${reason}; running npm ci\n`)
  const npm = process.platform === "win32" ? "npm.cmd" : "npm"
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" })
  if (result.status !== 0) {
    process.stderr.write(
      "ensure-deps: npm ci failed (if you changed package.json, run `npm install` to update package-lock.json)\n"
    )
    process.exit(result.status ?? 1)
  }
}
