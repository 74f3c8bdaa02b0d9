/**
 * The URL argument and the options every `smb` command takes (how to connect and log on, how
 * to print), declared once with @effect/cli and attached to each subcommand, so that they may
 * be written after the command name (`smb info --json URL`). `toConnectionOptions` turns them,
 * with the URL's host and port, into the library's `ConnectionOptions`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CipherName, ConnectionOptions, DialectName } from "../connection/ConnectionOptions.js"
import { ciphers, dialects, dialectValue } from "../connection/ConnectionOptions.js"
import { CliError } from "./errors.js"
import type { SmbUrl } from "./Url.js"

const dialectNames = dialects.map(([name]) => name)
const cipherNames = ciphers.map(([name]) => name)

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly minDialect: Option.Option<DialectName>
  readonly maxDialect: Option.Option<DialectName>
  readonly sign: "required" | "auto"
  readonly encrypt: "required" | "auto" | "off"
  readonly ciphers: Option.Option<ReadonlyArray<CipherName>>
  readonly worker: "single" | "fiber" | "thread"
  readonly timeout: Option.Option<Duration.Duration>
  readonly passwordFile: Option.Option<string>
  readonly allowGuest: boolean
  /** --no-dfs: do not follow DFS links. */
  readonly noDfs: boolean
  readonly auth: "kerberos" | "ntlm" | "auto"
  readonly kdc: Option.Option<ReadonlyArray<string>>
  /** --keytab (or KRB5_CLIENT_KTNAME): the user's keys, instead of a password. */
  readonly keytab: Option.Option<string>
  /** --realm (or SMB_REALM): the Kerberos realm, instead of the user's @REALM or krb5.conf's default. */
  readonly realm: Option.Option<string>
  readonly resolve: Option.Option<Readonly<Record<string, string>>>
  /** --no-reconnect: a lost connection fails the command instead of being reconnected. */
  readonly noReconnect?: boolean
  readonly json: boolean
  readonly verbose: boolean
}

/**
 * Cipher names as users may type them: any case, several separated by commas (a preference
 * order). None when a name is unknown.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseCiphers = (text: string): Option.Option<ReadonlyArray<CipherName>> => {
  const names = text.split(",").map((name) => name.trim().toUpperCase())
  const known = names.map((name) => cipherNames.find((cipher) => cipher === name))
  return known.length > 0 && known.every((name) => name !== undefined) ? Option.some(known as Array<CipherName>) : Option.none()
}

/**
 * `name=address[,name=address...]` (--resolve) as a map; None when an entry has no "=".
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseResolve = (text: string): Option.Option<Readonly<Record<string, string>>> => {
  const entries = text.split(",").map((entry) => entry.trim().split("="))
  return entries.every((e) => e.length === 2 && e[0] !== "" && e[1] !== "")
    ? Option.some(Object.fromEntries(entries.map(([name, address]) => [name!.toLowerCase(), address!])))
    : Option.none()
}

/**
 * A duration as Effect writes them ("5 seconds", "500 millis"); None otherwise, or when not positive.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTimeout = (text: string): Option.Option<Duration.Duration> =>
  Duration.decodeUnknown(text.trim()).pipe(Option.filter((d) => Duration.greaterThan(d, Duration.zero) && Duration.isFinite(d)))

const dialect = (name: string, description: string) =>
  Options.choice(name, dialectNames).pipe(Options.withDescription(description), Options.optional)

/**
 * The URL argument of every command.
 *
 * @since 0.1.0
 * @category options
 */
export const url = Args.text({ name: "url" }).pipe(
  Args.withDescription(
    "smb://[[DOMAIN;]user[:password]@]host[:port]/share[/path], percent-encoded. A password in the URL is visible to " +
      "other users of this machine in the process list: prefer --password-file, SMB_PASSWORD or the prompt."
  )
)

/**
 * The options, for `Command.make`.
 *
 * @since 0.1.0
 * @category options
 */
export const options: Options.Options<ConnectOptions> = Options.all({
  minDialect: dialect("min-dialect", "Lowest SMB dialect to offer (default 2.0.2)."),
  maxDialect: dialect("max-dialect", "Highest SMB dialect to offer (default 3.1.1)."),
  sign: Options.choice("sign", ["required", "auto"]).pipe(
    Options.withDefault("auto" as const),
    Options.withDescription("required: sign every message of the session; auto: when the server requires it.")
  ),
  encrypt: Options.choice("encrypt", ["required", "auto", "off"]).pipe(
    Options.withDefault("auto" as const),
    Options.withDescription("required: encrypt the session or fail; auto: when the server asks; off: never offer it.")
  ),
  ciphers: Options.text("cipher").pipe(
    Options.withPseudoName("name[,name...]"),
    Options.filterMap(parseCiphers, `--cipher expects ${cipherNames.join(", ")} (any case; several separated by commas)`),
    Options.withDescription(`Cipher(s) to offer, in order of preference: ${cipherNames.join(", ")}.`),
    Options.optional
  ),
  worker: Options.choice("worker", ["single", "fiber", "thread"]).pipe(
    Options.withDefault("fiber" as const),
    Options.withDescription("single: one request at a time; fiber: many in flight; thread: loops in a worker thread.")
  ),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("duration"),
    Options.filterMap(parseTimeout, "--timeout expects a positive duration such as \"5 seconds\" or \"500 millis\""),
    Options.withDescription("Time limit for each request (default 30 seconds)."),
    Options.optional
  ),
  passwordFile: Options.text("password-file").pipe(
    Options.withPseudoName("file"),
    Options.withDescription(
      "Read the password from the first line of this file, when the URL names a user without one. Unlike a password " +
        "in the URL, it does not show in the process list. Otherwise SMB_PASSWORD, or a prompt when stdin is a terminal."
    ),
    Options.optional
  ),
  allowGuest: Options.boolean("allow-guest").pipe(
    Options.withDescription(
      "Accept a server that turns the URL's user into a guest: such a session is neither signed nor encrypted, and a " +
        "man in the middle can force it. Refused anyway with --sign required or --encrypt required."
    )
  ),
  noDfs: Options.boolean("no-dfs").pipe(
    Options.withDescription("Do not follow DFS links (a path below one then fails with STATUS_PATH_NOT_COVERED).")
  ),
  auth: Options.choice("auth", ["kerberos", "ntlm", "auto"]).pipe(
    Options.withDefault("auto" as const),
    Options.withDescription(
      "kerberos: a ticket for cifs/<host> (from the password, or from the KRB5CCNAME ticket cache without one); ntlm: " +
        "NTLMv2; auto: Kerberos when the user is user@REALM or REALM.NAME;user, --kdc, --realm or --keytab is given or a ticket cache exists, " +
        "and the server offers it."
    )
  ),
  kdc: Options.text("kdc").pipe(
    Options.withPseudoName("host[:port][,host...]"),
    Options.map((text) => text.split(",").map((k) => k.trim()).filter((k) => k !== "")),
    Options.withDescription("The realm's KDC(s); default the kdc lines of krb5.conf (KRB5_CONFIG, else /etc/krb5.conf)."),
    Options.optional
  ),
  keytab: Options.text("keytab").pipe(
    Options.withPseudoName("file"),
    // MIT's variable for a client keytab; "FILE:" is the only kind read here.
    Options.withFallbackConfig(Config.map(Config.string("KRB5_CLIENT_KTNAME"), (name) => name.replace(/^FILE:/, ""))),
    Options.withDescription(
      "Log on with the user's keys from this keytab (MIT format, as ktutil writes) instead of a password; no password is " +
        "asked for. Default: KRB5_CLIENT_KTNAME."
    ),
    Options.optional
  ),
  realm: Options.text("realm").pipe(
    Options.withPseudoName("REALM"),
    Options.withFallbackConfig(Config.string("SMB_REALM")),
    Options.map((realm) => realm.toUpperCase()),
    Options.withDescription("The Kerberos realm (default: the user's @REALM, else SMB_REALM, else krb5.conf's default_realm)."),
    Options.optional
  ),
  resolve: Options.text("resolve").pipe(
    Options.withPseudoName("name=address[,...]"),
    Options.filterMap(parseResolve, "--resolve expects name=address[,name=address...]"),
    Options.withDescription("Reach these host names (the server's, the KDC's) at these addresses, before DNS."),
    Options.optional
  ),
  noReconnect: Options.boolean("no-reconnect").pipe(
    Options.withDescription("Fail when the connection is lost, rather than reconnect and carry on (the default).")
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print JSON (one object, or one object per line).")),
  verbose: Options.boolean("verbose").pipe(Options.withDescription("Print progress, and stack traces on failure."))
})

/**
 * The library's options for `url`. Fails when the options contradict each other or ask for
 * something this build does not have.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toConnectionOptions = (url: SmbUrl, o: ConnectOptions): Effect.Effect<ConnectionOptions, CliError> =>
  Effect.gen(function*() {
    if (Option.isSome(o.minDialect) && Option.isSome(o.maxDialect) && dialectValue(o.minDialect.value) > dialectValue(o.maxDialect.value)) {
      return yield* new CliError({
        reason: "Usage",
        detail: `--min-dialect ${o.minDialect.value} is above --max-dialect ${o.maxDialect.value}`
      })
    }
    return {
      host: url.host,
      signing: o.sign,
      encryption: o.encrypt,
      worker: o.worker,
      port: url.port,
      ...(Option.isSome(o.minDialect) ? { minDialect: o.minDialect.value } : {}),
      ...(Option.isSome(o.maxDialect) ? { maxDialect: o.maxDialect.value } : {}),
      ...(Option.isSome(o.ciphers) ? { ciphers: o.ciphers.value } : {}),
      ...(Option.isSome(o.timeout) ? { timeout: o.timeout.value } : {}),
      ...(Option.isSome(o.resolve) ? { hosts: o.resolve.value } : {}),
      ...(o.noReconnect === true ? { reconnect: false as const } : {})
    }
  })
