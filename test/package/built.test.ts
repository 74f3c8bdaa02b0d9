/**
 * The package as a consumer gets it: `npm pack` (whose prepack builds it) makes the tarball, and
 * an empty project installs it with the peers README's install command names, then runs plain
 * Node there (no vitest, no loader) importing effect-smb only through its exports map, and the
 * `smb` bin. Also checks what the tarball must hold: every export target, types included, and
 * built code that imports nothing but Node built-ins and declared dependencies and peers.
 *
 * Offline: the consumer gets a package-lock.json cut from this project's (the packages the
 * tarball and the peers need, at this project's versions), and `npm ci --offline` takes them from
 * npm's cache, which this project's own `npm ci` filled (only if the cache was emptied since does
 * it fetch them).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import * as Fs from "node:fs/promises"
import { builtinModules } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import Ts from "typescript"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../..", import.meta.url))

type Exports = { readonly [key: string]: string | Exports }

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly license: string
  readonly engines: Record<string, string>
  readonly bin: Record<string, string>
  readonly sideEffects: ReadonlyArray<string>
  readonly scripts: Record<string, string>
  readonly dependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
  readonly exports: Exports
}

interface LockEntry {
  readonly version?: string
  readonly optional?: boolean
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
  readonly [key: string]: unknown
}

interface Packed {
  readonly filename: string
  readonly integrity: string
  readonly files: ReadonlyArray<{ readonly path: string }>
}

let packageJson: PackageJson
let packed: Packed
let consumerDir: string
let installed: string

/** The packages README's install command names besides effect-smb: name -> range. */
const readmePeers = async (): Promise<Record<string, string>> => {
  const readme = await Fs.readFile(Path.join(root, "README.md"), "utf8")
  const line = /^npm install effect-smb (.+)$/m.exec(readme)?.[1]
  if (line === undefined) throw new Error("README.md has no `npm install effect-smb ...` line")
  return Object.fromEntries(line.trim().split(/\s+/).map((spec) => {
    const at = spec.lastIndexOf("@")
    return [spec.slice(0, at), spec.slice(at + 1)]
  }))
}

/**
 * The lock entries of every package `names` need, found from the top as Node would, copied from
 * this project's lock without its dev/peer flags. Optional dependencies and optional peers are
 * followed when the lock has them.
 */
const closure = (lock: Record<string, LockEntry>, names: ReadonlyArray<string>): Record<string, LockEntry> => {
  const found: Record<string, LockEntry> = {}
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
      const path = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`
      if (path in lock) return path
      if (dir === "") return undefined
    }
  }
  const visit = (from: string, name: string, optional: boolean): void => {
    const path = locate(from, name)
    if (path === undefined) {
      if (optional) return
      throw new Error(`the project's lock has no ${name} (needed from ${from || "the root"})`)
    }
    if (path in found) return
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock[path]!
    found[path] = entry
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false)
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true)
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      visit(path, dep, entry.peerDependenciesMeta?.[dep]?.optional === true)
    }
  }
  for (const name of names) visit("", name, false)
  return found
}

beforeAll(async () => {
  packageJson = JSON.parse(await Fs.readFile(Path.join(root, "package.json"), "utf8")) as PackageJson
  consumerDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "effect-smb-consumer-"))
  // prepack builds dist/ (npm prints its script banners on stderr; stdout is the JSON).
  const pack = await run("npm", ["pack", "--json", "--pack-destination", consumerDir], { cwd: root, maxBuffer: 64 << 20 })
    .catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`npm pack failed:\n${error.stdout ?? ""}${error.stderr ?? String(error)}`)
    })
  packed = (JSON.parse(pack.stdout) as Array<Packed>)[0]!

  const peers = await readmePeers()
  const tarball = `file:${packed.filename}`
  const dependencies = { [packageJson.name]: tarball, ...peers }
  const lock = (JSON.parse(await Fs.readFile(Path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>
  }).packages
  const consumer = { name: "effect-smb-consumer", version: "1.0.0", private: true, type: "module", dependencies }
  const own: LockEntry = {
    version: packageJson.version,
    resolved: tarball,
    integrity: packed.integrity,
    license: packageJson.license,
    dependencies: packageJson.dependencies,
    bin: packageJson.bin,
    engines: packageJson.engines,
    peerDependencies: packageJson.peerDependencies
  }
  const consumerLock = {
    name: consumer.name,
    version: consumer.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: consumer.name, version: consumer.version, dependencies },
      [`node_modules/${packageJson.name}`]: own,
      ...closure(lock, [...Object.keys(peers), ...Object.keys(packageJson.dependencies)])
    }
  }
  await Fs.writeFile(Path.join(consumerDir, "package.json"), JSON.stringify(consumer, null, 2))
  await Fs.writeFile(Path.join(consumerDir, "package-lock.json"), JSON.stringify(consumerLock, null, 2))
  const install = (mode: "--offline" | "--prefer-offline") =>
    run("npm", ["ci", mode, "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: consumerDir })
  await install("--offline").catch(async (error: { stderr?: string }) => {
    // A cache emptied since this project's install (npm cache clean): fetch what is missing.
    if (!(error.stderr ?? "").includes("ENOTCACHED")) throw error
    process.stderr.write("package test: npm's cache lacks some locked packages; fetching them\n")
    return install("--prefer-offline")
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm ci of the packed package failed:\n${error.stdout ?? ""}${error.stderr ?? String(error)}`)
  })
  installed = Path.join(consumerDir, "node_modules", packageJson.name)
  await Fs.copyFile(Path.join(root, "test", "package", "consumer.mjs"), Path.join(consumerDir, "consumer.mjs"))
}, 180_000)

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

/** Every file path an exports map points at, under any condition. */
const exportTargets = (exports: Exports | string): Array<string> =>
  typeof exports === "string" ? [exports] : Object.values(exports).flatMap(exportTargets)

describe("the packed package", () => {
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
      "Metadata",
      "Security",
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
    expect(result.packageJson).toEqual({ name: packageJson.name, version: packageJson.version })
  }, 20_000)

  it("runs the smb bin", async () => {
    const { stdout } = await run(Path.join(consumerDir, "node_modules", ".bin", "smb"), ["--version"], {
      cwd: consumerDir,
      timeout: 15_000
    })
    expect(stdout.trim()).toBe(packageJson.version)
  }, 20_000)

  it("ships the smb bin as one bundle that needs only built-ins, with the code cache made from it", async () => {
    const cli = Path.join(installed, "dist", "cli")
    const bundle = await Fs.readFile(Path.join(cli, "smb.cjs"))
    const required = [...bundle.toString("utf8").matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!)
    expect(required.length).toBeGreaterThan(0)
    expect(required.filter((s) => !builtinModules.includes(s.replace(/^node:/, "")))).toEqual([])
    // The loader ignores a cache that does not start with its bundle's SHA-256.
    const cache = await Fs.readFile(Path.join(cli, "smb.cjs.cache"))
    expect(cache.subarray(0, 32).equals(createHash("sha256").update(bundle).digest())).toBe(true)
    expect(cache.byteLength).toBeGreaterThan(32)
  })

  it("uses the application's effect, @effect/platform and @effect/platform-node: peers, never a copy of its own", async () => {
    const peers = await readmePeers()
    expect(Object.keys(peers).sort()).toEqual(Object.keys(packageJson.peerDependencies).sort())
    for (const name of Object.keys(packageJson.peerDependencies)) {
      expect(packageJson.dependencies[name], name).toBeUndefined()
      expect(packageJson.devDependencies[name], name).toBe(packageJson.peerDependencies[name])
      expect(existsSync(Path.join(consumerDir, "node_modules", name, "package.json")), name).toBe(true)
      expect(existsSync(Path.join(installed, "node_modules", name)), name).toBe(false)
    }
  })

  it("publishes every export target, types and sources included, and names its side effects", () => {
    const files = new Set(packed.files.map((f) => f.path))
    const targets = exportTargets(packageJson.exports)
    expect(targets.length).toBeGreaterThan(0)
    expect(targets.map((t) => t.replace(/^\.\//, "")).filter((t) => !files.has(t))).toEqual([])
    expect(packageJson.sideEffects.map((t) => t.replace(/^\.\//, "")).filter((t) => !files.has(t))).toEqual([])
    expect(packageJson.sideEffects).toContain("./dist/connection/threadEntry.js")
    expect(packageJson.sideEffects).toContain(`./${packageJson.bin.smb}`)
    expect(packageJson.scripts.prepack).toBeDefined()
  })

  it("imports only Node built-ins and declared dependencies and peers at run time", async () => {
    const dist = Path.join(installed, "dist")
    const allowed = new Set([
      ...Object.keys(packageJson.dependencies),
      ...Object.keys(packageJson.peerDependencies),
      ...builtinModules
    ])
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
