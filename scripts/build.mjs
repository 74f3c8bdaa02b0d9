// `npm run build` (and prepack): tsc from src/ to dist/, incremental (its state in
// dist/.tsbuildinfo, which is not published and goes when dist/ goes), so a build after a small
// change, such as the one `npm pack` does in the package test, re-emits only what changed. Output
// whose source file is gone is removed, so dist/ never holds a module src/ no longer has. Then
// the thread's entry is bundled (scripts/bundle-entries.mjs).
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, rmSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = join(root, "dist")

const step = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

step(join(root, "node_modules", ".bin", "tsc"), [
  "-p",
  "tsconfig.build.json",
  "--incremental",
  "--tsBuildInfoFile",
  "dist/.tsbuildinfo"
])

for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue
  const path = join(entry.parentPath, entry.name)
  const module = relative(dist, path).replace(/(\.d)?\.js(\.map)?$|\.d\.ts(\.map)?$/, "")
  if (module === relative(dist, path)) continue
  if (!existsSync(join(root, "src", `${module}.ts`))) rmSync(path)
}

step(process.execPath, [join(root, "scripts", "bundle-entries.mjs")])
