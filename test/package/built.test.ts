/**
 * The package as a consumer gets it: built with `npm run build`, imported by plain Node (no
 * vitest, no loader) through the exports map, from a directory where node_modules/effect-smb
 * links to the repository (what `npm install` of a local path does). Also checks what a link
 * cannot: that the published files hold every export target, and that the built code imports
 * nothing but Node built-ins and the package's declared dependencies.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { builtinModules } from "node:module"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import Ts from "typescript"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../..", import.meta.url))

interface PackageJson {
  readonly name: string
  readonly dependencies: Record<string, string>
  readonly exports: Record<string, { readonly types: string; readonly import: string }>
}

let packageJson: PackageJson
let consumerDir: string

beforeAll(async () => {
  packageJson = JSON.parse(await Fs.readFile(Path.join(root, "package.json"), "utf8")) as PackageJson
  await run("npm", ["run", "build"], { cwd: root }).catch((error: { stdout?: string }) => {
    throw new Error(`npm run build failed:\n${error.stdout ?? String(error)}`)
  })
  consumerDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "effect-smb-consumer-"))
  await Fs.mkdir(Path.join(consumerDir, "node_modules"))
  await Fs.symlink(root, Path.join(consumerDir, "node_modules", packageJson.name), "dir")
  // The consumer's own copy of effect is the one the package resolves, as npm would dedupe it.
  await Fs.symlink(Path.join(root, "node_modules", "effect"), Path.join(consumerDir, "node_modules", "effect"), "dir")
  await Fs.copyFile(Path.join(root, "test", "package", "consumer.mjs"), Path.join(consumerDir, "consumer.mjs"))
}, 60_000)

afterAll(async () => {
  if (consumerDir !== undefined) await Fs.rm(consumerDir, { recursive: true, force: true })
})

/** Every file below `dir`, relative to it. */
const filesBelow = async (dir: string): Promise<Array<string>> => {
  const entries = await Fs.readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => Path.relative(dir, Path.join(e.parentPath, e.name)))
}

/** The modules a JavaScript file imports or re-exports, statically or with `import()`. */
const moduleSpecifiers = (source: string): Array<string> => {
  const specifiers: Array<string> = []
  const visit = (node: Ts.Node): void => {
    if ((Ts.isImportDeclaration(node) || Ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (Ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text)
    } else if (Ts.isCallExpression(node) && node.expression.kind === Ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      if (argument !== undefined && Ts.isStringLiteralLike(argument)) specifiers.push(argument.text)
    }
    Ts.forEachChild(node, visit)
  }
  visit(Ts.createSourceFile("module.js", source, Ts.ScriptTarget.Latest, false, Ts.ScriptKind.JS))
  return specifiers
}

/** The package a bare import specifier names: "effect/Effect" -> "effect", "@effect/platform/Socket" -> "@effect/platform". */
const packageOf = (specifier: string): string => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")

describe("the built package", () => {
  it("works from plain Node through its exports: an ECHO round trip over the testing peer", async () => {
    const { stdout } = await run(process.execPath, ["consumer.mjs"], { cwd: consumerDir, timeout: 15_000 })
    const result = JSON.parse(stdout)
    expect(result.echo).toEqual({ command: 0x000d, status: 0, response: true, decoded: {}, inFlight: 0 })
    // The thread worker runs from dist's entry (bundled into one file: see the test below).
    expect(result.threadEcho).toEqual({ status: 0 })
    expect(result.root).toEqual(expect.arrayContaining([
      "Auth",
      "Crypto",
      "Wire",
      "File",
      "Files",
      "Session",
      "Tree",
      "Connection",
      "ConnectionOptions",
      "CreditWindow",
      "FiberBackend",
      "ThreadBackend",
      "MessageHandler",
      "MultiWorkerBackend",
      "ParallelWorker",
      "SingleWorker",
      "Transformer",
      "Worker",
      "Transport",
      "TcpTransport",
      "ConnectionStopped",
      "DecodeError",
      "ServerError",
      "TransportError"
    ]))
    expect(result.testing).toEqual(["MemoryTransport", "TestPeer"])
    // effect-smb/wire exposes every module of src/wire: a new codec must join the barrel.
    const wireModules = (await Fs.readdir(Path.join(root, "src", "wire")))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.slice(0, -3))
      .sort()
    expect(result.wire).toEqual(wireModules)
    expect(result.sameWire).toBe(true)
    expect(result.notExported).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED")
  }, 20_000)

  it("publishes every export target, types included", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root })
    const packed = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path))
    const targets = Object.values(packageJson.exports).flatMap((e) => [e.types, e.import])
    expect(targets.length).toBeGreaterThan(0)
    expect(targets.map((t) => t.replace(/^\.\//, "")).filter((t) => !packed.has(t))).toEqual([])
  }, 20_000)

  it("imports only Node built-ins and declared dependencies at run time", async () => {
    const dist = Path.join(root, "dist")
    const allowed = new Set([...Object.keys(packageJson.dependencies), ...builtinModules])
    const undeclared = new Set<string>()
    const files = (await filesBelow(dist)).filter((f) => f.endsWith(".js"))
    // The thread's entry is bundled: built-ins only.
    const entry = await Fs.readFile(Path.join(dist, "connection", "threadEntry.js"), "utf8")
    expect(moduleSpecifiers(entry).filter((s) => !builtinModules.includes(s.replace(/^node:/, "")))).toEqual([])
    for (const file of files) {
      const source = await Fs.readFile(Path.join(dist, file), "utf8")
      for (const specifier of moduleSpecifiers(source)) {
        if (specifier.startsWith(".")) continue
        if (!allowed.has(packageOf(specifier.replace(/^node:/, "")))) undeclared.add(`${file}: ${specifier}`)
      }
    }
    expect([...undeclared]).toEqual([])
  })
})
