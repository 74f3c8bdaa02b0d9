/**
 * Getting a service ticket for `cifs/<host>` (RFC 4120 3.1, 3.3): from a password or a keytab's
 * long-term key (AS exchange with encrypted-timestamp pre-authentication, then a TGS exchange)
 * or from the MIT ticket cache (a service ticket already there, else its TGT and a TGS exchange). The realm and KDCs come from
 * the options, else from krb5.conf (KRB5_CONFIG, else /etc/krb5.conf).
 *
 * Pre-authentication: the first AS-REQ carries no timestamp; the KDC answers
 * KDC_ERR_PREAUTH_REQUIRED with ETYPE-INFO2 (the enctype, salt and iteration count to derive the
 * key with), and the second AS-REQ carries PA-ENC-TIMESTAMP. KDC errors become KerberosFailed
 * reasons: 24 (or an AS-REP that does not decrypt) WrongPassword, 6 UnknownPrincipal, 7
 * UnknownService, 37 ClockSkew with the skew measured from the error's stime. The password is
 * read from its Redacted only to derive the key.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { KerberosFailed } from "../../errors.js"
import * as Ccache from "./Ccache.js"
import type { EncTypeId, Key } from "./Crypto.js"
import { checksum, checksumType, decrypt, encrypt, encTypeName, isSupported, stringToKey, supportedEncTypes } from "./Crypto.js"
import * as Der from "./Der.js"
import type { KdcAddress } from "./KdcTransport.js"
import { exchange, parseKdc } from "./KdcTransport.js"
import * as Keytab from "./Keytab.js"
import * as Krb5Conf from "./Krb5Conf.js"
import type { EtypeInfo2Entry, KdcRep, KrbError, PaData, PrincipalName } from "./Messages.js"
import {
  decodeEncKdcRepPart,
  decodeEtypeInfo2,
  decodeKdcResponse,
  decodeMethodData,
  encodeApReq,
  encodeAuthenticator,
  encodeEncryptedData,
  encodeKdcReq,
  encodeKdcReqBody,
  encodePacRequest,
  encodePaEncTsEnc,
  ErrorCode,
  KeyUsage,
  MessageType,
  NameType,
  PaType
} from "./Messages.js"

/**
 * Where Kerberos finds its realm, KDC and tickets.
 *
 * @since 0.1.0
 * @category models
 */
export interface KerberosOptions {
  /** Default: the user's `@REALM`, else krb5.conf's default_realm, else the ticket cache's. */
  readonly realm?: string | undefined
  /** "host" or "host:port"; default krb5.conf's kdc lines for the realm. */
  readonly kdc?: ReadonlyArray<string> | undefined
  /** A krb5.conf to read instead of KRB5_CONFIG / /etc/krb5.conf. */
  readonly krb5Conf?: string | undefined
  /** A keytab holding the user's long-term keys: used instead of a password when there is none. */
  readonly keytab?: string | undefined
  /** A ticket cache file instead of KRB5CCNAME's (false: never read one). */
  readonly ccache?: string | false | undefined
  /** Added to our clock in every timestamp we send (a client whose clock is known to be off). */
  readonly clockOffsetMillis?: number | undefined
  /** The enctypes to ask for, in order; default aes256, aes128, rc4-hmac. */
  readonly encTypes?: ReadonlyArray<EncTypeId> | undefined
  /** Per KDC attempt; default 3000. */
  readonly timeoutMillis?: number | undefined
  /** "udp" (default: UDP, TCP when needed) or "tcp". */
  readonly kdcProtocol?: "udp" | "tcp" | undefined
}

/** @since 0.1.0 @category models */
export interface ServiceTicket {
  readonly ticket: Uint8Array
  readonly key: Key
  readonly crealm: string
  readonly cname: PrincipalName
  /** Where the credentials came from. */
  readonly source: "password" | "keytab" | "ccache"
}

/** @since 0.1.0 @category models */
export interface TicketRequest {
  /** "user", "user@REALM"; absent: the ticket cache's principal. */
  readonly user?: string | undefined
  /** Absent or empty: the ticket cache. */
  readonly password?: Redacted.Redacted<string> | undefined
  /** The server's host name: the ticket is for cifs/<host>. */
  readonly host: string
  /** Maps host names (the KDC's) to addresses, as ConnectionOptions.hosts does. */
  readonly hosts?: Readonly<Record<string, string>> | undefined
}

const fail = (reason: KerberosFailed["reason"], detail: string, extra: { code?: number; skewMillis?: number; cause?: unknown } = {}) =>
  new KerberosFailed({ reason, detail, ...extra })

/** Splits "user@REALM" (the last @) into its parts. @since 0.1.0 */
export const splitPrincipal = (user: string): { readonly name: string; readonly realm: string | undefined } => {
  const at = user.lastIndexOf("@")
  return at <= 0 ? { name: user, realm: undefined } : { name: user.slice(0, at), realm: user.slice(at + 1).toUpperCase() }
}

const AS_OPTIONS = 0x40810010 // forwardable, renewable, canonicalize, renewable-ok
// Canonicalize only: asking for forwardable or renewable with a TGT that is neither (kinit's
// default) is KDC_ERR_BADOPTION.
const TGS_OPTIONS = 0x00010000
const FAR_FUTURE = new Date(Date.UTC(2037, 8, 13, 2, 48, 5))

const nonce = (): number => randomBytes(4).readUInt32BE(0) & 0x7fffffff

const errorFor = (error: KrbError, now: Date, what: string): KerberosFailed => {
  const text = error.text === undefined ? "" : ` (${error.text})`
  switch (error.code) {
    case ErrorCode.PREAUTH_FAILED:
    case ErrorCode.BAD_INTEGRITY:
      return fail("WrongPassword", `the KDC refused the pre-authentication${text}`, { code: error.code })
    case ErrorCode.C_PRINCIPAL_UNKNOWN:
      return fail("UnknownPrincipal", `the KDC does not know the client${text}`, { code: error.code })
    case ErrorCode.S_PRINCIPAL_UNKNOWN:
      return fail("UnknownService", `the KDC does not know ${what}${text}`, { code: error.code })
    case ErrorCode.SKEW: {
      const kdc = error.stime.getTime() + Math.floor(error.susec / 1000)
      return fail("ClockSkew", `the KDC's clock and ours differ by more than it allows${text}`, {
        code: error.code,
        skewMillis: kdc - now.getTime()
      })
    }
    default:
      return fail("KdcError", `${what}: KDC error ${error.code}${text}`, { code: error.code })
  }
}

const decodeReply = (bytes: Uint8Array) =>
  Either.match(decodeKdcResponse(bytes), {
    onLeft: (cause) => Effect.fail(fail("BadResponse", "undecodable KDC reply", { cause })),
    onRight: (reply) => Effect.succeed(reply)
  })

interface Realm {
  readonly realm: string
  readonly kdcs: ReadonlyArray<KdcAddress>
}

const realmFor = (realm: string, options: KerberosOptions, conf: Krb5Conf.Krb5Conf): Realm => ({
  realm,
  kdcs: (options.kdc ?? conf.kdcs[realm] ?? []).map(parseKdc)
})

interface Tgt {
  readonly ticket: Uint8Array
  readonly key: Key
  readonly crealm: string
  readonly cname: PrincipalName
}

const clock = (options: KerberosOptions) => () => new Date(Date.now() + (options.clockOffsetMillis ?? 0))

/** The user's long-term key for an ETYPE-INFO2 entry: from the password, or from a keytab. */
type KeySource = (entry: EtypeInfo2Entry) => Key | undefined

const passwordKeys = (password: Redacted.Redacted<string>, realm: string, name: string): KeySource => (entry) =>
  isSupported(entry.etype) ? deriveUserKey(entry, password, realm, name) : undefined

const keytabKeys = (entries: ReadonlyArray<Keytab.KeytabEntry>, realm: string, name: string): KeySource => (entry) => {
  const matching = entries
    .filter((e) => e.keytype === entry.etype && e.realm.toUpperCase() === realm && e.components.join("/") === name)
    .sort((a, b) => b.kvno - a.kvno)[0]
  return matching === undefined ? undefined : toKey(matching.keytype, matching.key)
}

/** The AS exchange with pre-authentication: a TGT for user@realm. */
const asExchange = (name: string, keys: KeySource, target: Realm, options: KerberosOptions, hosts: TicketRequest["hosts"]) =>
  Effect.gen(function*() {
    const now = clock(options)
    const cname: PrincipalName = { type: NameType.PRINCIPAL, components: [name] }
    const body = encodeKdcReqBody({
      options: AS_OPTIONS,
      cname,
      realm: target.realm,
      sname: { type: NameType.SRV_INST, components: ["krbtgt", target.realm] },
      till: FAR_FUTURE,
      nonce: nonce(),
      etypes: options.encTypes ?? supportedEncTypes
    })
    const send = (padata: ReadonlyArray<PaData>) =>
      exchange(target.kdcs, encodeKdcReq(MessageType.AS_REQ, padata, body), { hosts, timeoutMillis: options.timeoutMillis, protocol: options.kdcProtocol }).pipe(
        Effect.flatMap(decodeReply)
      )
    const pac: PaData = { type: PaType.PAC_REQUEST, value: encodePacRequest(true) }
    const bodyNonce = decodeBodyNonce(body)

    let info: ReadonlyArray<EtypeInfo2Entry> = []
    let reply: KdcRep | KrbError = yield* send([pac])
    let key: Key | undefined
    if (reply._tag === "KrbError") {
      if (reply.code !== ErrorCode.PREAUTH_REQUIRED) return yield* errorFor(reply, now(), `krbtgt/${target.realm}`)
      const methods = reply.edata === undefined ? Either.right([]) : decodeMethodData(reply.edata)
      const entries = Either.flatMap(methods, decodeEtypeInfo2)
      if (Either.isLeft(entries)) return yield* fail("BadResponse", "undecodable ETYPE-INFO2", { cause: entries.left })
      info = entries.right
      key = info.map(keys).find((k) => k !== undefined)
      if (key === undefined) {
        return yield* fail("Unsupported", `no key of ours for the enctypes the KDC offers (${info.map((e) => encTypeName(e.etype)).join(", ") || "none"})`)
      }
      const timestamp = encrypt(key, KeyUsage.PA_ENC_TIMESTAMP, encodePaEncTsEnc(now()))
      const encTs: PaData = { type: PaType.ENC_TIMESTAMP, value: encodeEncryptedDataBytes(key.etype, timestamp) }
      reply = yield* send([encTs, pac])
      if (reply._tag === "KrbError") return yield* errorFor(reply, now(), `krbtgt/${target.realm}`)
    }
    const rep = reply
    // The reply's enc-part is in the client key of the enctype the KDC chose.
    const replyInfo = Either.getOrElse(decodeEtypeInfo2(rep.padata), () => [])
    const entry = [...replyInfo, ...info].find((e) => e.etype === rep.encPart.etype) ?? { etype: rep.encPart.etype, salt: undefined, iterations: undefined }
    const replyKey = key !== undefined && key.etype === entry.etype ? key : keys(entry)
    if (replyKey === undefined) return yield* fail("Unsupported", `AS-REP in ${encTypeName(entry.etype)}, for which we have no key`)
    const plain = decrypt(replyKey, KeyUsage.AS_REP_ENC_PART, rep.encPart.cipher)
    if (Either.isLeft(plain)) return yield* fail("WrongPassword", "the AS-REP does not decrypt with the password's key")
    const part = decodeEncKdcRepPart(plain.right)
    if (Either.isLeft(part)) return yield* fail("BadResponse", "undecodable EncASRepPart", { cause: part.left })
    if (part.right.nonce !== bodyNonce) return yield* fail("BadResponse", "the AS-REP answers another request (nonce)")
    const sessionKey = toKey(part.right.key.keytype, part.right.key.value)
    if (sessionKey === undefined) return yield* fail("Unsupported", `TGT session key in ${encTypeName(part.right.key.keytype)}`)
    return { ticket: rep.ticket, key: sessionKey, crealm: rep.crealm, cname: rep.cname } satisfies Tgt
  })

const deriveUserKey = (entry: EtypeInfo2Entry, password: Redacted.Redacted<string>, realm: string, name: string): Key =>
  stringToKey(entry.etype as EncTypeId, Redacted.value(password), entry.salt ?? `${realm}${name}`, entry.iterations)

const toKey = (etype: number, value: Uint8Array): Key | undefined => (isSupported(etype) ? { etype, value } : undefined)

// PA-ENC-TIMESTAMP's value is the DER EncryptedData.
const encodeEncryptedDataBytes = (etype: number, cipher: Uint8Array): Uint8Array => encodeEncryptedData({ etype, cipher })

const decodeBodyNonce = (body: Uint8Array): number => {
  const d = new Der.DerReader(body, "KDC-REQ-BODY")
  const seq = d.root(Der.Tag.SEQUENCE, "KDC-REQ-BODY")
  return d.integer(d.required(seq, 7, "nonce"), "nonce") >>> 0
}

/** The TGS exchange: a ticket for `service` with the TGT. */
const tgsExchange = (tgt: Tgt, service: PrincipalName, target: Realm, options: KerberosOptions, hosts: TicketRequest["hosts"]) =>
  Effect.gen(function*() {
    const now = clock(options)
    const body = encodeKdcReqBody({
      options: TGS_OPTIONS,
      realm: target.realm,
      sname: service,
      till: FAR_FUTURE,
      nonce: nonce(),
      etypes: options.encTypes ?? supportedEncTypes
    })
    const time = now()
    const authenticator = encodeAuthenticator({
      crealm: tgt.crealm,
      cname: tgt.cname,
      checksum: { type: checksumType(tgt.key.etype), value: checksum(tgt.key, KeyUsage.TGS_REQ_BODY_CHECKSUM, body) },
      ctime: time,
      cusec: (time.getTime() % 1000) * 1000
    })
    const apReq = encodeApReq(0, tgt.ticket, { etype: tgt.key.etype, cipher: encrypt(tgt.key, KeyUsage.TGS_REQ_AUTHENTICATOR, authenticator) })
    const padata: ReadonlyArray<PaData> = [{ type: PaType.TGS_REQ, value: apReq }, { type: PaType.PAC_REQUEST, value: encodePacRequest(true) }]
    const reply = yield* exchange(target.kdcs, encodeKdcReq(MessageType.TGS_REQ, padata, body), {
      hosts,
      timeoutMillis: options.timeoutMillis,
      protocol: options.kdcProtocol
    }).pipe(Effect.flatMap(decodeReply))
    const what = service.components.join("/")
    if (reply._tag === "KrbError") return yield* errorFor(reply, now(), what)
    const plain = decrypt(tgt.key, KeyUsage.TGS_REP_ENC_PART_SESSION_KEY, reply.encPart.cipher)
    if (Either.isLeft(plain)) return yield* fail("BadResponse", "the TGS-REP does not decrypt with the TGT's session key")
    const part = decodeEncKdcRepPart(plain.right)
    if (Either.isLeft(part)) return yield* fail("BadResponse", "undecodable EncTGSRepPart", { cause: part.left })
    if (part.right.nonce !== decodeBodyNonce(body)) return yield* fail("BadResponse", "the TGS-REP answers another request (nonce)")
    const key = toKey(part.right.key.keytype, part.right.key.value)
    if (key === undefined) return yield* fail("Unsupported", `service ticket session key in ${encTypeName(part.right.key.keytype)}`)
    return { ticket: reply.ticket, key, crealm: reply.crealm, cname: reply.cname }
  })

const readKeytab = (path: string): Effect.Effect<ReadonlyArray<Keytab.KeytabEntry>, KerberosFailed> =>
  Effect.try({
    try: () => new Uint8Array(readFileSync(path)),
    catch: (cause) => fail("NoCredentials", `cannot read the keytab ${path}`, { cause })
  }).pipe(
    Effect.flatMap((bytes) =>
      Either.match(Keytab.decodeKeytab(bytes), {
        onLeft: (cause) => Effect.fail(fail("NoCredentials", `${path} is not a keytab`, { cause })),
        onRight: Effect.succeed
      })
    )
  )

const readCcache = (options: KerberosOptions): Ccache.Ccache | undefined => {
  if (options.ccache === false) return undefined
  const path = options.ccache ?? Ccache.defaultPath()
  if (path === undefined) return undefined
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(path))
  } catch {
    return undefined
  }
  return Either.getOrUndefined(Ccache.decodeCcache(bytes))
}

/** The realm of the ticket cache's principal, when a ticket cache can be read. @since 0.1.0 */
export const ccacheRealm = (options: KerberosOptions): string | undefined => readCcache(options)?.principal.realm

/** Whether Kerberos has something to start from: a realm named, a KDC named, or a ticket cache. @since 0.1.0 */
export const configured = (user: string | undefined, options: KerberosOptions): boolean =>
  options.realm !== undefined || options.kdc !== undefined || options.keytab !== undefined || (user !== undefined && splitPrincipal(user).realm !== undefined) ||
  readCcache(options) !== undefined

/**
 * A ticket for cifs/<host> and its session key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serviceTicket = (request: TicketRequest, options: KerberosOptions = {}): Effect.Effect<ServiceTicket, KerberosFailed> =>
  Effect.gen(function*() {
    const conf = Krb5Conf.load(process.env, options.krb5Conf)
    const principal = request.user === undefined ? undefined : splitPrincipal(request.user)
    const hasPassword = request.password !== undefined && Redacted.value(request.password) !== ""
    const host = request.host.toLowerCase()

    if (hasPassword && principal !== undefined) {
      const realmName = options.realm?.toUpperCase() ?? principal.realm ?? conf.defaultRealm?.toUpperCase()
      if (realmName === undefined) return yield* fail("NoCredentials", "no realm: name one (user@REALM, --realm) or set default_realm in krb5.conf")
      const realm = realmFor(realmName, options, conf)
      const tgt = yield* asExchange(principal.name, passwordKeys(request.password!, realm.realm, principal.name), realm, options, request.hosts)
      const service = yield* tgsExchange(tgt, { type: NameType.SRV_INST, components: ["cifs", host] }, realm, options, request.hosts)
      return { ...service, source: "password" as const }
    }

    if (options.keytab !== undefined && principal !== undefined) {
      const realmName = options.realm?.toUpperCase() ?? principal.realm ?? conf.defaultRealm?.toUpperCase()
      if (realmName === undefined) return yield* fail("NoCredentials", "no realm: name one (user@REALM) or set default_realm in krb5.conf")
      const entries = yield* readKeytab(options.keytab)
      const realm = realmFor(realmName, options, conf)
      const tgt = yield* asExchange(principal.name, keytabKeys(entries, realmName, principal.name), realm, options, request.hosts)
      const service = yield* tgsExchange(tgt, { type: NameType.SRV_INST, components: ["cifs", host] }, realm, options, request.hosts)
      return { ...service, source: "keytab" as const }
    }

    const cache = readCcache(options)
    if (cache === undefined) return yield* fail("NoCredentials", "no password and no readable ticket cache (KRB5CCNAME)")
    const realmName = options.realm?.toUpperCase() ?? cache.principal.realm
    if (principal !== undefined && principal.name !== cache.principal.components.join("/")) {
      return yield* fail("NoCredentials", `the ticket cache holds ${cache.principal.components.join("/")}@${cache.principal.realm}, not ${request.user}`)
    }
    const nowMillis = clock(options)().getTime()
    const live = cache.credentials.filter((c) => c.endtime.getTime() > nowMillis && isSupported(c.keytype))
    const cname: PrincipalName = { type: cache.principal.type, components: cache.principal.components }
    const ready = live.find((c) => c.server.components.length === 2 && c.server.components[0] === "cifs" && c.server.components[1]!.toLowerCase() === host)
    if (ready !== undefined) {
      return { ticket: ready.ticket, key: { etype: ready.keytype as EncTypeId, value: ready.key }, crealm: cache.principal.realm, cname, source: "ccache" as const }
    }
    const tgt = live.find((c) => c.server.components[0] === "krbtgt" && c.server.components[1] === realmName)
    if (tgt === undefined) return yield* fail("NoCredentials", `the ticket cache has no live TGT for ${realmName}`)
    const realm = realmFor(realmName, options, conf)
    const service = yield* tgsExchange(
      { ticket: tgt.ticket, key: { etype: tgt.keytype as EncTypeId, value: tgt.key }, crealm: cache.principal.realm, cname },
      { type: NameType.SRV_INST, components: ["cifs", host] },
      realm,
      options,
      request.hosts
    )
    return { ...service, source: "ccache" as const }
  })
