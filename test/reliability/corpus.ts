/**
 * Valid frames a client can receive, as the seeds of the fuzzers, and the session keys that make
 * the Transformer's verify and decrypt paths run on them:
 *
 * - real Windows traffic printed by Microsoft's Open Specifications blog (NEGOTIATE and
 *   SESSION_SETUP exchanges with their signing keys, encrypted READ/WRITE messages with their
 *   cipher keys), the constants test/crypto/msblog.ts copied from the posts cited there;
 * - responses built with the wire encoders for every command, as a server with synthetic session
 *   keys sends them: plain, with an error status, interim (STATUS_PENDING), signed with each
 *   algorithm, encrypted with each cipher, compounded, and unsolicited (MessageId all ones).
 *
 * Synthetic message ids start at 2^40, far from any id a test has in flight.
 */
import * as Either from "effect/Either"
import type { SessionSecurity, TransformerUpdate } from "../../src/connection/Transformer.js"
import type { CipherId } from "../../src/crypto/Encryption.js"
import type { SigningAlgorithmId } from "../../src/crypto/Signing.js"
import { encodeNegTokenResp, NegState, NTLMSSP_OID } from "../../src/auth/Spnego.js"
import { encodeMessage, joinCompound, minimalResponseBody } from "../../src/testing/TestPeer.js"
import { encodeChangeNotifyResponse } from "../../src/wire/ChangeNotify.js"
import { encodeCloseResponse } from "../../src/wire/Close.js"
import { Command } from "../../src/wire/Command.js"
import { encodeCreateResponse } from "../../src/wire/Create.js"
import { encodeErrorResponse } from "../../src/wire/ErrorResponse.js"
import { decodeHeader, HeaderFlags, makeHeader, UNSOLICITED_MESSAGE_ID } from "../../src/wire/Header.js"
import { encodeIoctlResponse, encodeValidateNegotiateInfoResponse, CtlCode, NO_FILE_ID } from "../../src/wire/Ioctl.js"
import { Capabilities, Dialect, encodeNegotiateResponse, SecurityMode } from "../../src/wire/Negotiate.js"
import { Cipher, HashAlgorithm, SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { encodeLeaseBreakNotification, encodeOplockBreakNotification } from "../../src/wire/OplockBreak.js"
import { encodeQueryDirectoryResponse } from "../../src/wire/QueryDirectory.js"
import { encodeQueryInfoResponse } from "../../src/wire/QueryInfo.js"
import { encodeReadResponse } from "../../src/wire/Read.js"
import { viewOf } from "../../src/wire/Reader.js"
import { encodeSessionSetupResponse } from "../../src/wire/SessionSetup.js"
import { Status } from "../../src/wire/Status.js"
import { encodeTreeConnectResponse } from "../../src/wire/TreeConnect.js"
import { encodeWriteResponse } from "../../src/wire/Write.js"
import { NLMP_CHALLENGE } from "../auth/nlmp.js"
import {
  ENCRYPT_300_CCM,
  ENCRYPT_311_CCM,
  ENCRYPT_311_GCM,
  type EncryptedMessage,
  KDF_300_ENCRYPTION,
  SESSIONS_311
} from "../crypto/msblog.js"
import { fromHex } from "../support/bytes.js"
import { encryptAsServer, signAsServer } from "./stack.js"

export interface Corpus {
  /** Frames as received (no session header): plaintext SMB2 messages, compounds, TRANSFORM frames. */
  readonly frames: ReadonlyArray<Uint8Array>
  /** The transformer state under which the frames verify and decrypt. */
  readonly updates: ReadonlyArray<TransformerUpdate>
}

const pattern = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff)

/** Deterministic key bytes. */
const key = (seed: number, length: 16 | 32): Uint8Array => Uint8Array.from({ length }, (_, i) => (seed * 37 + i * 11) & 0xff)

const session = (
  sessionId: bigint,
  signingAlgorithm: SigningAlgorithmId,
  signingRequired: boolean,
  options: { readonly cipher?: CipherId; readonly encryptData?: boolean } = {}
): SessionSecurity => {
  const length = options.cipher === Cipher.AES_256_CCM || options.cipher === Cipher.AES_256_GCM ? 32 : 16
  const seed = Number(sessionId & 0xffn)
  return {
    sessionId,
    signingAlgorithm,
    signingKey: key(seed, 16),
    signingRequired,
    encryptData: options.encryptData ?? false,
    ...(options.cipher === undefined
      ? {}
      : { encryption: { cipher: options.cipher, encryptionKey: key(seed + 1, length), decryptionKey: key(seed + 2, length) } })
  }
}

/** Synthetic sessions: one per signing algorithm, two ciphers, one that must encrypt, one that need not sign. */
export const SYNTHETIC = {
  hmac: session(0x7000_0000_0001n, SigningAlgorithm.HMAC_SHA256, true),
  gmac: session(0x7000_0000_0002n, SigningAlgorithm.AES_GMAC, true, { cipher: Cipher.AES_128_GCM }),
  encrypted: session(0x7000_0000_0003n, SigningAlgorithm.AES_CMAC, false, { cipher: Cipher.AES_256_CCM, encryptData: true }),
  optional: session(0x7000_0000_0004n, SigningAlgorithm.AES_CMAC, false)
} as const

/** A tree of `SYNTHETIC.optional` that requires encryption (its plaintext is rejected). */
export const ENCRYPTED_TREE = 7

const sessionIdOf = (messageHex: string): bigint => Either.getOrThrow(decodeHeader(fromHex(messageHex))).sessionId

/** The blog's sessions, with the keys its posts print (AES-128-CMAC signing, as Windows used then). */
const blogSessions = (): Array<SessionSecurity> => {
  const byName = new Map(SESSIONS_311.map((s) => [s.name, s]))
  const sessions: Array<SessionSecurity> = []
  for (const [name, traffic] of [["anatomy-master", undefined], ["enc311-gcm", ENCRYPT_311_GCM], ["enc311-ccm", ENCRYPT_311_CCM]] as const) {
    const s = byName.get(name)!
    sessions.push({
      sessionId: sessionIdOf(s.sessionSetupResponse2),
      signingAlgorithm: SigningAlgorithm.AES_CMAC,
      signingKey: fromHex(s.signingKey),
      signingRequired: true,
      encryptData: false,
      encryption: {
        cipher: s.cipher,
        encryptionKey: fromHex(traffic?.encryptionKey ?? s.encryptionKey!),
        decryptionKey: fromHex(traffic?.decryptionKey ?? s.decryptionKey!)
      }
    })
  }
  sessions.push({
    sessionId: sessionIdOf(ENCRYPT_300_CCM.messages[0]!.plaintext),
    signingAlgorithm: SigningAlgorithm.AES_CMAC,
    signingKey: fromHex(KDF_300_ENCRYPTION.signingKey),
    signingRequired: true,
    encryptData: false,
    encryption: {
      cipher: Cipher.AES_128_CCM,
      encryptionKey: fromHex(ENCRYPT_300_CCM.encryptionKey),
      decryptionKey: fromHex(ENCRYPT_300_CCM.decryptionKey)
    }
  })
  return sessions
}

const blogFrames = (): Array<Uint8Array> => {
  const frames: Array<Uint8Array> = []
  for (const s of SESSIONS_311) {
    for (const hex of [s.negotiateRequest, s.negotiateResponse, s.sessionSetupRequest1, s.sessionSetupResponse1, s.sessionSetupRequest2, s.sessionSetupResponse2]) {
      frames.push(fromHex(hex))
    }
  }
  const encrypted: ReadonlyArray<EncryptedMessage> = [...ENCRYPT_300_CCM.messages, ...ENCRYPT_311_GCM.messages, ...ENCRYPT_311_CCM.messages]
  for (const m of encrypted) frames.push(fromHex(m.frame), fromHex(m.plaintext))
  return frames
}

const CREATE_BODY = encodeCreateResponse({
  oplockLevel: 0,
  flags: 0,
  createAction: 1,
  creationTime: 1n,
  lastAccessTime: 2n,
  lastWriteTime: 3n,
  changeTime: 4n,
  allocationSize: 4096n,
  endOfFile: 100n,
  fileAttributes: 0x20,
  fileId: pattern(16),
  contexts: [{ name: "MxAc", data: pattern(8) }]
})

const CLOSE_BODY = encodeCloseResponse({
  flags: 1,
  creationTime: 1n,
  lastAccessTime: 2n,
  lastWriteTime: 3n,
  changeTime: 4n,
  allocationSize: 4096n,
  endOfFile: 100n,
  fileAttributes: 0x20
})

/** Response bodies with real content, by command. */
const bodies = (): ReadonlyArray<readonly [command: number, body: Uint8Array]> => {
  return [
    [Command.NEGOTIATE, encodeNegotiateResponse({
      securityMode: SecurityMode.SIGNING_ENABLED | SecurityMode.SIGNING_REQUIRED,
      dialectRevision: Dialect.SMB_3_1_1,
      serverGuid: pattern(16),
      capabilities: Capabilities.LARGE_MTU | Capabilities.ENCRYPTION,
      maxTransactSize: 8 << 20,
      maxReadSize: 8 << 20,
      maxWriteSize: 8 << 20,
      systemTime: 133_000_000_000_000_000n,
      serverStartTime: 0n,
      securityBuffer: pattern(40),
      negotiateContexts: [
        { _tag: "PreauthIntegrity", hashAlgorithms: [HashAlgorithm.SHA_512], salt: pattern(32) },
        { _tag: "Encryption", ciphers: [Cipher.AES_128_GCM] },
        { _tag: "Signing", algorithms: [SigningAlgorithm.AES_GMAC] }
      ]
    })],
    [Command.NEGOTIATE, encodeNegotiateResponse({
      securityMode: SecurityMode.SIGNING_ENABLED,
      dialectRevision: Dialect.SMB_3_0_2,
      serverGuid: pattern(16),
      capabilities: Capabilities.LARGE_MTU,
      maxTransactSize: 65536,
      maxReadSize: 65536,
      maxWriteSize: 65536,
      systemTime: 133_000_000_000_000_000n,
      serverStartTime: 0n,
      securityBuffer: new Uint8Array(0),
      negotiateContexts: []
    })],
    [Command.SESSION_SETUP, encodeSessionSetupResponse({
      sessionFlags: 0,
      securityBuffer: encodeNegTokenResp({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: fromHex(NLMP_CHALLENGE) })
    })],
    [Command.TREE_CONNECT, encodeTreeConnectResponse({ shareType: 1, shareFlags: 0x8000, capabilities: 0, maximalAccess: 0x1f01ff })],
    [Command.IOCTL, encodeIoctlResponse({
      ctlCode: CtlCode.FSCTL_VALIDATE_NEGOTIATE_INFO,
      fileId: NO_FILE_ID,
      input: new Uint8Array(0),
      output: encodeValidateNegotiateInfoResponse({ capabilities: 0x44, guid: pattern(16), securityMode: 1, dialect: Dialect.SMB_3_0_2 }),
      flags: 0
    })],
    [Command.READ, encodeReadResponse({ dataRemaining: 0, flags: 0, data: pattern(100) })],
    [Command.WRITE, encodeWriteResponse({ count: 100, remaining: 0 })],
    [Command.CREATE, CREATE_BODY],
    [Command.CLOSE, CLOSE_BODY],
    [Command.QUERY_DIRECTORY, encodeQueryDirectoryResponse({ output: pattern(120) })],
    [Command.CHANGE_NOTIFY, encodeChangeNotifyResponse({ output: pattern(24) })],
    [Command.QUERY_INFO, encodeQueryInfoResponse({ output: pattern(40) })],
    [Command.ECHO, minimalResponseBody(Command.ECHO)],
    [Command.OPLOCK_BREAK, encodeLeaseBreakNotification({
      _tag: "LeaseBreakNotification",
      newEpoch: 2,
      flags: 1,
      leaseKey: pattern(16),
      currentLeaseState: 7,
      newLeaseState: 1,
      breakReason: 0,
      accessMaskHint: 0,
      shareMaskHint: 0
    })]
  ]
}

let nextMessageId = 1n << 40n

const response = (
  command: number,
  body: Uint8Array,
  fields: { readonly sessionId?: bigint; readonly status?: number; readonly asyncId?: bigint; readonly treeId?: number; readonly messageId?: bigint } = {}
): Uint8Array =>
  encodeMessage(
    makeHeader({
      command,
      messageId: fields.messageId ?? nextMessageId++,
      credits: 1,
      status: fields.status ?? Status.SUCCESS,
      flags: HeaderFlags.SERVER_TO_REDIR | (fields.asyncId === undefined ? 0 : HeaderFlags.ASYNC_COMMAND),
      asyncId: fields.asyncId ?? 0n,
      treeId: fields.treeId ?? 0,
      sessionId: fields.sessionId ?? 0n
    }),
    body
  )

/** Signs every message of a compound in place (each covers its padding). */
const signCompound = (s: SessionSecurity, frame: Uint8Array): Uint8Array => {
  let at = 0
  for (;;) {
    const next = viewOf(frame).getUint32(at + 20, true)
    signAsServer(s, frame.subarray(at, next === 0 ? frame.byteLength : at + next))
    if (next === 0) return frame
    at += next
  }
}

const syntheticFrames = (): Array<Uint8Array> => {
  const { encrypted, gmac, hmac, optional } = SYNTHETIC
  const frames: Array<Uint8Array> = []
  for (const [command, body] of bodies()) {
    frames.push(response(command, body))
    frames.push(signAsServer(hmac, response(command, body, { sessionId: hmac.sessionId })))
    frames.push(signAsServer(gmac, response(command, body, { sessionId: gmac.sessionId })))
    frames.push(signAsServer(optional, response(command, body, { sessionId: optional.sessionId })))
    frames.push(response(command, body, { sessionId: optional.sessionId }))
    frames.push(encryptAsServer(gmac, response(command, body, { sessionId: gmac.sessionId })))
    frames.push(encryptAsServer(encrypted, response(command, body, { sessionId: encrypted.sessionId })))
  }
  for (const command of Object.values(Command)) {
    if (command === Command.CANCEL) continue
    frames.push(response(command, encodeErrorResponse({ errorContexts: [], errorData: new Uint8Array(0) }), { status: Status.ACCESS_DENIED }))
    frames.push(signAsServer(hmac, response(command, minimalResponseBody(command), { sessionId: hmac.sessionId, status: Status.SUCCESS })))
  }
  const interim = encodeErrorResponse({ errorContexts: [], errorData: new Uint8Array(0) })
  frames.push(response(Command.CHANGE_NOTIFY, interim, { sessionId: hmac.sessionId, status: Status.PENDING, asyncId: 0x55n }))
  frames.push(signAsServer(gmac, response(Command.CHANGE_NOTIFY, interim, { sessionId: gmac.sessionId, status: Status.PENDING, asyncId: 0x56n })))
  frames.push(signAsServer(optional, response(Command.READ, encodeReadResponse({ dataRemaining: 0, flags: 0, data: new Uint8Array(16) }), {
    sessionId: optional.sessionId,
    treeId: ENCRYPTED_TREE
  })))
  const compound = () =>
    joinCompound([
      response(Command.CREATE, CREATE_BODY, { sessionId: hmac.sessionId }),
      response(Command.READ, encodeReadResponse({ dataRemaining: 0, flags: 0, data: new Uint8Array(33) }), { sessionId: hmac.sessionId }),
      response(Command.CLOSE, CLOSE_BODY, { sessionId: hmac.sessionId })
    ])
  frames.push(signCompound(hmac, compound()))
  frames.push(encryptAsServer(encrypted, compound()))
  const oplock = encodeOplockBreakNotification({ _tag: "OplockBreakNotification", oplockLevel: 0, fileId: new Uint8Array(16).fill(3) })
  frames.push(response(Command.OPLOCK_BREAK, oplock, { messageId: UNSOLICITED_MESSAGE_ID }))
  frames.push(encryptAsServer(encrypted, response(Command.SERVER_TO_CLIENT_NOTIFICATION, new Uint8Array(16), {
    messageId: UNSOLICITED_MESSAGE_ID,
    sessionId: encrypted.sessionId
  })))
  return frames
}

let built: Corpus | undefined

/** The corpus (built once). */
export const corpus = (): Corpus => {
  if (built !== undefined) return built
  const sessions = [...blogSessions(), ...Object.values(SYNTHETIC)]
  built = {
    frames: [...blogFrames(), ...syntheticFrames()],
    updates: [
      ...sessions.map((session): TransformerUpdate => ({ _tag: "SessionEstablished", session })),
      { _tag: "TreeEncryption", sessionId: SYNTHETIC.optional.sessionId, treeId: ENCRYPTED_TREE, encrypt: true }
    ]
  }
  return built
}
