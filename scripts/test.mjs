// `npm test`: the typecheck of the whole project (src, test, scripts, examples) and `vitest run`,
// side by side rather than one after the other. The typecheck is incremental: its state lives in
// node_modules/.cache, outside git, so a second run checks only what changed. Arguments go to
// vitest (`npm test -- test/wire`). Fails when either fails. A clean typecheck says so in one line
// on stderr; its errors are printed after vitest's output, so the two never interleave.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name) => `${root}node_modules/.bin/${name}`

const children = []
const run = (command, args, options) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, ...options })
    children.push(child)
    let output = ""
    child.stdout?.on("data", (data) => (output += data))
    child.stderr?.on("data", (data) => (output += data))
    child.on("error", (error) => resolve({ code: 1, output: `${output}${error.message}\n` }))
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output }))
  })

const began = Date.now()
const typecheck = run(
  bin("tsc"),
  ["-p", "tsconfig.json", "--noEmit", "--incremental", "--tsBuildInfoFile", "node_modules/.cache/effect-smb/typecheck.tsbuildinfo"],
  { stdio: ["ignore", "pipe", "pipe"] }
).then((result) => {
  if (result.code === 0) process.stderr.write(`typecheck: no errors (${((Date.now() - began) / 1000).toFixed(1)} s)\n`)
  return result
})
const tests = run(bin("vitest"), ["run", ...process.argv.slice(2)], { stdio: "inherit" })

// Ctrl-C reaches the children through the terminal's process group; a SIGTERM sent to this
// process alone is passed on. Either way this waits for them to finish (vitest stops its Samba).
process.on("SIGINT", () => {})
process.on("SIGTERM", () => {
  for (const child of children) child.kill("SIGTERM")
})

const [checked, tested] = await Promise.all([typecheck, tests])
if (checked.code !== 0) process.stdout.write(`\n${checked.output}\ntypecheck failed (tsc exited with ${checked.code})\n`)
process.exit(checked.code !== 0 ? checked.code : tested.code)
