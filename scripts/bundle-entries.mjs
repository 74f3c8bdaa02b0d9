// Build step after tsc: the entry points that start a process or a thread become one
// self-contained file each, bundled from the sources (so never stale, whichever files an
// incremental tsc re-emitted), since loading effect's modules one by one is most of their start:
// - dist/connection/threadEntry.js: a worker thread starts in ~70 ms instead of ~450 ms (each
//   connection with the thread worker starts one). Nothing crosses between the threads but plain
//   data, so the copy of effect inside the bundle never meets the application's own.
// - the `smb` command: dist/cli/smb.cjs, the whole CLI in one minified file, with its own thread
//   entry beside it (the thread backend looks for it next to the module that spawns the thread).
//   A separate process, so its copy of effect meets no other. dist/cli/main.js, the bin, is a
//   small loader that compiles smb.cjs with V8's code cache, dist/cli/smb.cjs.cache, made here
//   after running `smb ls` once against a fake server in the same process (see makeCache):
//   compiling the 0.6 MB bundle was a third of the command's start (Node 20 has no module compile cache; `module.enableCompileCache` is Node 22). The
//   cache is only read at run time, never written: it starts with the SHA-256 of the bundle it
//   was made from and is ignored unless that matches, and V8 itself rejects a cache from another
//   V8 version or other flags; either way the bundle is compiled as if there were none.
//
// `bundleCommand(dir)` writes the command's files into another directory too: the CLI tests run
// the command laid out as it is published, without a whole tsc build.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const path = (relative) => new URL(relative, import.meta.url).pathname
// Some dependencies are CommonJS and call require(); an ESM bundle has to provide it.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

const bundle = (entry, outfile) =>
  build({
    entryPoints: [path(entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    allowOverwrite: true,
    logLevel: "warning",
    banner: { js: requireShim }
  })

// The CLI as a CommonJS function body for vm.Script (a script, unlike a module, takes a code
// cache on Node 20); `import.meta.url` becomes the bundle's own URL, which the loader passes in.
const bundleCli = async (outfile) => {
  const result = await build({
    entryPoints: [path("../src/cli/main.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    write: false,
    outfile,
    logLevel: "warning",
    define: { "import.meta.url": "__importMetaUrl" }
  })
  // The shebang stays with the loader: inside the function wrapper it would not parse.
  writeFileSync(outfile, result.outputFiles[0].text.replace(/^#!.*\n/, ""))
}

// Shared by the loader and the run that makes the cache, so that both compile the same script.
const compile = `const compile = (file, cacheFile) => {
  const source = readFileSync(file, "utf8")
  const hash = createHash("sha256").update(source).digest()
  let cachedData
  try {
    const cache = readFileSync(cacheFile)
    if (cache.subarray(0, hash.length).equals(hash)) cachedData = cache.subarray(hash.length)
  } catch {}
  const script = new Script("(function (exports, require, module, __filename, __dirname, __importMetaUrl) {" + source + "\\n})", { filename: file, cachedData })
  const run = () => {
    const module = { exports: {} }
    script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href)
  }
  return { script, hash, run }
}`

const imports = `import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Script } from "node:vm"`

const loader = `#!/usr/bin/env node
// The smb command: loads the bundled CLI beside it (smb.cjs) with its V8 code cache
// (smb.cjs.cache) when that was made from this very bundle. Written by scripts/bundle-entries.mjs.
${imports.replace(", writeFileSync", "")}
${compile}
compile(fileURLToPath(new URL("./smb.cjs", import.meta.url)), fileURLToPath(new URL("./smb.cjs.cache", import.meta.url))).run()
`

// The cache is made after a representative run: V8 caches only the functions compiled by then.
// `smb ls` against the warm-up server (scripts/internal/warmupServer.ts) connects, logs on,
// signs, opens with a compound and lists, as most commands do.
const makeCache = (file, server) => `${imports}
${compile}
const file = ${JSON.stringify(file)}
const { script, hash, run } = compile(file, "")
process.on("exit", () => writeFileSync(file + ".cache", Buffer.concat([hash, script.createCachedData()])))
${server === undefined ? `process.argv = [process.argv[0], file, "--version"]` : `const { PASSWORD, start } = await import(${JSON.stringify(pathToFileURL(server).href)})
const port = await start()
process.argv = [process.argv[0], file, "ls", "--no-reconnect", \`smb://warmup:\${PASSWORD}@127.0.0.1:\${port}/share/empty\`]`}
run()
`

/**
 * The `smb` command into `dir`: main.js (the loader), smb.cjs, its code cache and its thread entry.
 * `warmup: false` makes the cache after `smb --version` alone, without the warm-up server (what
 * test/cli/codeCache.test.ts compares the published cache with).
 */
export const bundleCommand = async (dir, { warmup = true } = {}) => {
  mkdirSync(dir, { recursive: true })
  await Promise.all([
    bundle("../src/connection/threadEntry.ts", join(dir, "threadEntry.js")),
    bundleCli(join(dir, "smb.cjs"))
  ])
  writeFileSync(join(dir, "main.js"), loader)
  chmodSync(join(dir, "main.js"), 0o755)
  const scratch = mkdtempSync(join(tmpdir(), "effect-smb-warmup-"))
  try {
    let server
    if (warmup) {
      server = join(scratch, "warmupServer.mjs")
      await bundle("./internal/warmupServer.ts", server)
    }
    execFileSync(process.execPath, ["--input-type=module", "-e", makeCache(join(dir, "smb.cjs"), server)], { stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await Promise.all([
    bundle("../src/connection/threadEntry.ts", path("../dist/connection/threadEntry.js")),
    bundleCommand(path("../dist/cli"))
  ])
}
