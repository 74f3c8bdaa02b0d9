// Build step after tsc: the entry points that start a process or a thread become one
// self-contained file each, bundled from the sources (so never stale, whichever files an
// incremental tsc re-emitted), since loading effect's modules one by one is most of their start:
// - dist/connection/threadEntry.js: a worker thread starts in ~70 ms instead of ~450 ms (each
//   connection with the thread worker starts one). Nothing crosses between the threads but plain
//   data, so the copy of effect inside the bundle never meets the application's own.
// - dist/cli/main.js, the `smb` command, with its own thread entry beside it (the thread backend
//   looks for it next to the module that spawns the thread): `smb --version` in ~0.2 s instead of
//   ~0.85 s. A separate process, so its copy of effect meets no other.
import { build } from "esbuild"

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
    outfile: path(outfile),
    allowOverwrite: true,
    logLevel: "warning",
    banner: { js: requireShim }
  })

await Promise.all([
  bundle("../src/connection/threadEntry.ts", "../dist/connection/threadEntry.js"),
  bundle("../src/connection/threadEntry.ts", "../dist/cli/threadEntry.js"),
  bundle("../src/cli/main.ts", "../dist/cli/main.js")
])
