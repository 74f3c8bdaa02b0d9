// Build step after tsc: dist/connection/threadEntry.js becomes one self-contained file. A worker
// thread then starts in ~70 ms instead of ~450 ms spent loading effect's modules one by one (each
// connection with the thread worker starts one). Nothing crosses between the threads but plain
// data, so the copy of effect inside the bundle never meets the application's own.
import { build } from "esbuild"

const entry = new URL("../dist/connection/threadEntry.js", import.meta.url).pathname
await build({
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: entry,
  allowOverwrite: true,
  logLevel: "warning"
})
