// Build step after tsc: dist/connection/threadEntry.js becomes one self-contained file, bundled
// from the sources (so it is never stale, whichever files an incremental tsc re-emitted). A worker
// thread then starts in ~70 ms instead of ~450 ms spent loading effect's modules one by one (each
// connection with the thread worker starts one). Nothing crosses between the threads but plain
// data, so the copy of effect inside the bundle never meets the application's own.
import { build } from "esbuild"

await build({
  entryPoints: [new URL("../src/connection/threadEntry.ts", import.meta.url).pathname],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: new URL("../dist/connection/threadEntry.js", import.meta.url).pathname,
  allowOverwrite: true,
  logLevel: "warning"
})
