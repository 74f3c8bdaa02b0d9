/**
 * The `smb://` URL parser (the form of draft-crhertel-smb-url: smb://[[domain;]user[:password]@]
 * server[:port][/share[/path]]), the SMB_PASSWORD fallback, and the stderr redaction that keeps
 * passwords out of anything the tool prints.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { parseCiphers, parseTimeout } from "../../src/cli/ConnectOptions.js"
import { normalize, redact } from "../../src/cli/Stderr.js"
import * as Url from "../../src/cli/Url.js"

const ok = (text: string) => {
  const parsed = Url.parse(text)
  if (Either.isLeft(parsed)) throw new Error(`expected ${text} to parse: ${parsed.left.message}`)
  return parsed.right
}

const error = (text: string) => {
  const parsed = Url.parse(text)
  if (Either.isRight(parsed)) throw new Error(`expected ${text} to be refused`)
  return parsed.left
}

const plain = (url: Url.SmbUrl) => ({ ...url, password: url.password === undefined ? undefined : Redacted.value(url.password) })

describe("Url.parse", () => {
  it("parses every part, percent-decoded", () => {
    expect(plain(ok("smb://CORP;alice:p%40ss%3Aw%2Fd@files.example.com:4450/Team%20Share/docs/a%20b.txt"))).toEqual({
      host: "files.example.com",
      port: 4450,
      share: "Team Share",
      path: ["docs", "a b.txt"],
      user: "alice",
      domain: "CORP",
      password: "p@ss:w/d"
    })
  })

  it("makes user, password, port, share and path optional", () => {
    expect(plain(ok("smb://host"))).toEqual({
      host: "host",
      port: undefined,
      share: undefined,
      path: [],
      user: undefined,
      domain: undefined,
      password: undefined
    })
    expect(plain(ok("SMB://bob@10.0.0.1/share/"))).toMatchObject({ host: "10.0.0.1", user: "bob", password: undefined, share: "share", path: [] })
    expect(ok("smb://host//share//a///b/").path).toEqual(["a", "b"])
  })

  it("splits the user info at the last '@', so an unencoded '@' may stay in a password", () => {
    const url = ok("smb://bob:a@b@host/s")
    expect(url.host).toBe("host")
    expect(Redacted.value(url.password!)).toBe("a@b")
    expect(Redacted.value(ok("smb://bob:@host/s").password!)).toBe("")
  })

  it("takes bracketed IPv6 addresses, with or without a port", () => {
    expect(ok("smb://[::1]/s")).toMatchObject({ host: "::1", port: undefined })
    expect(ok("smb://[2001:db8::7]:10445/s")).toMatchObject({ host: "2001:db8::7", port: 10445 })
  })

  it("keeps the password out of the parsed value's printed forms", () => {
    const url = ok("smb://alice:hunter2@host/s")
    expect(JSON.stringify(url)).not.toContain("hunter2")
    expect(String(url.password)).not.toContain("hunter2")
    expect(Url.format(url)).toBe("smb://alice@host/s")
    expect(Url.format(ok("smb://D%3Bx;al%20ice:pw@[::1]:99/a%3Fb/c"))).toBe("smb://D%3Bx;al%20ice@[::1]:99/a%3Fb/c")
  })

  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ["http://host/share", "Scheme", "expected smb://"],
    ["host/share", "Scheme", "expected smb://"],
    ["smb://", "Host", "no host name"],
    ["smb:///share", "Host", "no host name"],
    ["smb://user:secret@/share", "Host", "no host name"],
    ["smb://ho st/share", "Host", "DNS name"],
    ["smb://host:0/s", "Port", "1 to 65535"],
    ["smb://host:65536/s", "Port", "1 to 65535"],
    ["smb://host:44x/s", "Port", "1 to 65535"],
    ["smb://host:/s", "Port", "1 to 65535"],
    ["smb://::1/s", "Host", "in brackets"],
    ["smb://[host]/s", "Host", "IPv6"],
    ["smb://[::1]x/s", "Host", "after the IPv6"],
    ["smb://:secret@host/s", "UserInfo", "empty user name"],
    ["smb://;bob:secret@host/s", "UserInfo", "empty domain"],
    ["smb://bob:sec%zzret@host/s", "Encoding", "in the password"],
    ["smb://host/s/%E0%A4%A", "Encoding", "in the path"],
    ["smb://host/s/../etc", "Path", "'..'"],
    ["smb://host/s/./a", "Path", "'.'"],
    ["smb://host/s/a%5Cb", "Path", "'\\'"],
    // Checked once decoded: an encoded separator or dot-segment never becomes part of a local name.
    ["smb://user:secret@host/s/..%2F..%2Ftmp%2Fx", "Path", "'/'"],
    ["smb://host/s/dir/a%2Fb", "Path", "'/'"],
    ["smb://host/a%2Fb/file", "Path", "'/'"],
    ["smb://host/s/%2E%2E", "Path", "'..'"],
    ["smb://host/s/%2e", "Path", "'.'"],
    ["smb://host/%2E%2E/x", "Path", "'..'"],
    ["smb://host/s/..%5C..%5Cx", "Path", "'\\'"],
    ["smb://host/s/a%00b", "Path", "NUL"],
    ["smb://host/s/a?b", "Path", "%3F"],
    ["smb://host/s/a#b", "Path", "%23"]
  ]
  for (const [text, reason, detail] of bad) {
    it(`refuses ${text} (${reason})`, () => {
      const e = error(text)
      expect(e.reason).toBe(reason)
      expect(e.message).toContain(detail)
      expect(e.message).toMatch(/^bad URL: /)
      expect(e.message).not.toContain("secret")
      expect(e.message).not.toContain("sec%zzret")
    })
  }
})

describe("Url: any URL written with percent-encoding parses back to its parts", () => {
  // Names as users may write them: any Unicode; a share or path component has a few exceptions.
  const name = FastCheck.string({ minLength: 1, maxLength: 12, unit: "binary" })
  const component = name.filter((c) => c !== "." && c !== ".." && !/[/\\\0]/.test(c))
  const host = FastCheck.oneof(
    FastCheck.domain(),
    FastCheck.ipV4(),
    FastCheck.ipV6().map((address) => `[${address}]`)
  )
  const enc = encodeURIComponent

  it.prop(
    "parse inverts writing, and format writes the same text without the password",
    [
      FastCheck.option(FastCheck.tuple(FastCheck.option(name), name, FastCheck.option(FastCheck.string({ unit: "binary" })))),
      host,
      FastCheck.option(FastCheck.integer({ min: 1, max: 65535 })),
      FastCheck.option(FastCheck.tuple(component, FastCheck.array(component, { maxLength: 4 })))
    ],
    ([account, hostText, port, location]) => {
      const userInfo = account === null ? "" : `${account[0] === null ? "" : `${enc(account[0])};`}${enc(account[1])}`
      const password = account === null || account[2] === null ? "" : `:${enc(account[2])}`
      const portText = port === null ? "" : `:${port}`
      const pathText = location === null ? "" : [location[0], ...location[1]].map((c) => `/${enc(c)}`).join("")
      const text = `smb://${userInfo}${userInfo === "" ? "" : `${password}@`}${hostText}${portText}${pathText}`
      const url = ok(text)
      expect(plain(url)).toEqual({
        host: hostText.replace(/^\[(.*)\]$/, "$1"),
        port: port ?? undefined,
        share: location?.[0],
        path: location?.[1] ?? [],
        user: account?.[1],
        domain: account?.[0] ?? undefined,
        password: account === null ? undefined : account[2] ?? undefined
      })
      expect(Url.format(url)).toBe(`smb://${userInfo}${userInfo === "" ? "" : "@"}${hostText}${portText}${pathText}`)
      expect(Url.filePath(url)).toBe(location?.[1].join("/") ?? "")
      expect(Url.baseName(url)).toBe(location?.[1].at(-1))
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )
})

describe("Url.resolve and Url.credentials", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("takes the password from SMB_PASSWORD when the URL has a user but no password", () =>
    Effect.gen(function*() {
      const url = yield* Url.resolve("smb://DOM;bob@host/s").pipe(withEnv({ SMB_PASSWORD: "from-env" }))
      expect(Redacted.value(url.password!)).toBe("from-env")
      const credentials = Url.credentials(url)
      expect(credentials?._tag).toBe("User")
      if (credentials?._tag === "User") {
        expect(credentials.user).toBe("bob")
        expect(credentials.domain).toBe("DOM")
        expect(Redacted.value(credentials.password)).toBe("from-env")
      }
    }))

  it.effect("prefers the URL's password, and ignores SMB_PASSWORD without a user", () =>
    Effect.gen(function*() {
      const inUrl = yield* Url.resolve("smb://bob:in-url@host/s").pipe(withEnv({ SMB_PASSWORD: "from-env" }))
      expect(Redacted.value(inUrl.password!)).toBe("in-url")
      const anonymous = yield* Url.resolve("smb://host/s").pipe(withEnv({ SMB_PASSWORD: "from-env" }))
      expect(anonymous.password).toBeUndefined()
      expect(Url.credentials(anonymous)).toBeUndefined()
    }))

  it.effect("leaves the password empty when neither the URL nor SMB_PASSWORD has one", () =>
    Effect.gen(function*() {
      const url = yield* Url.resolve("smb://bob@host/s").pipe(withEnv({}))
      expect(url.password).toBeUndefined()
      const credentials = Url.credentials(url)
      expect(credentials?._tag === "User" && Redacted.value(credentials.password)).toBe("")
    }))

  it.effect("fails with the UrlError of a bad URL", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Url.resolve("smb://host:99999/s").pipe(withEnv({})))
      expect(e._tag).toBe("UrlError")
      expect(e.reason).toBe("Port")
    }))
})

describe("stderr redaction", () => {
  it("masks the password of every smb:// URL in a text", () => {
    expect(redact("Received unknown argument: 'smb://u:pw@host/s'")).toBe("Received unknown argument: 'smb://u:***@host/s'")
    expect(redact("smb://D;u:a@b@h smb://h/s smb://u@h SMB://x:y@z")).toBe("smb://D;u:***@h smb://h/s smb://u@h SMB://x:***@z")
  })

  it("prefixes one-line messages with 'smb: ' and trims trailing blank lines", () => {
    expect(normalize(["Missing argument <url>\n\n"])).toBe("smb: Missing argument <url>")
    expect(normalize(["smb: already prefixed"])).toBe("smb: already prefixed")
    expect(normalize(["Error: x\n    at y"])).toBe("Error: x\n    at y")
  })
})

describe("option values", () => {
  it("parses cipher names in any case, several in order", () => {
    expect(parseCiphers("aes-256-gcm")).toEqual(Option.some(["AES-256-GCM"]))
    expect(parseCiphers("AES-128-ccm, aes-128-GCM")).toEqual(Option.some(["AES-128-CCM", "AES-128-GCM"]))
    expect(parseCiphers("aes-512-gcm")).toEqual(Option.none())
    expect(parseCiphers("aes-128-gcm,")).toEqual(Option.none())
  })

  it("parses timeouts as Effect durations, positive and finite", () => {
    expect(parseTimeout("5 seconds").pipe(Option.map(Duration.toMillis))).toEqual(Option.some(5000))
    expect(parseTimeout("500 millis").pipe(Option.map(Duration.toMillis))).toEqual(Option.some(500))
    expect(parseTimeout("0 millis")).toEqual(Option.none())
    expect(parseTimeout("Infinity seconds")).toEqual(Option.none())
    expect(parseTimeout("soon")).toEqual(Option.none())
  })
})
