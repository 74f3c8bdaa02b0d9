/**
 * An honest SMB 3.x server, just enough of one for the security tests: it negotiates one dialect,
 * authenticates a user with NTLMv2 (the server's side of MS-NLMP 3.2.5.1.2, computed from the
 * password it knows), derives the session's keys as the client must (the 3.1.1 preauth hash
 * over the messages as *it* sent and received them), signs every response of the session,
 * connects trees and answers VALIDATE_NEGOTIATE_INFO with what it really negotiated.
 *
 * Between it and the client sits an optional man in the middle (`tamperNegotiate`) who alters
 * the NEGOTIATE response on the wire, and who may also replace the VALIDATE_NEGOTIATE_INFO
 * response with one it cannot sign (`forgeValidate`).
 *
 * It can also let the session expire (`expire`: STATUS_NETWORK_SESSION_EXPIRED until the client
 * authenticates the session again, on its id, keeping its keys).
 *
 * The CHALLENGE_MESSAGE is the one of MS-NLMP 4.2.4.3 (no MsvAvTimestamp, so the client sends no
 * MIC and no mechListMIC); its ServerChallenge is 0123456789abcdef.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { ntowfv2 } from "../../src/auth/Ntlm.js"
import { rc4 } from "../../src/auth/Rc4.js"
import { decodeNegTokenResp, encodeNegTokenResp, NegState, NTLMSSP_OID } from "../../src/auth/Spnego.js"
import type { SessionSecurity } from "../../src/connection/Transformer.js"
import { PreauthHash } from "../../src/crypto/PreauthHash.js"
import { deriveSessionKeys } from "../../src/crypto/SessionKeys.js"
import type { SigningAlgorithmId } from "../../src/crypto/Signing.js"
import type { Handler, ReceivedRequest, RespondOptions, TestPeer } from "../../src/testing/TestPeer.js"
import { encodeResponse } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { CtlCode, encodeIoctlResponse, encodeValidateNegotiateInfoResponse, NO_FILE_ID } from "../../src/wire/Ioctl.js"
import type { ValidateNegotiateInfoResponse } from "../../src/wire/Ioctl.js"
import { Capabilities, Dialect, SecurityMode } from "../../src/wire/Negotiate.js"
import { SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { decodeUtf16, viewOf } from "../../src/wire/Reader.js"
import { decodeSessionSetupRequest, encodeSessionSetupResponse } from "../../src/wire/SessionSetup.js"
import { Status } from "../../src/wire/Status.js"
import { encodeTreeConnectResponse, ShareType } from "../../src/wire/TreeConnect.js"
import { NLMP_CHALLENGE } from "../auth/nlmp.js"
import { fromHex } from "../support/bytes.js"
import { negotiateResponseBody } from "../support/negotiateResponse.js"
import { signAsServer } from "./stack.js"

export interface FakeServerOptions {
  readonly dialect: typeof Dialect.SMB_3_0 | typeof Dialect.SMB_3_0_2 | typeof Dialect.SMB_3_1_1
  readonly password: string
  /** The server's SecurityMode; default signing enabled and required. */
  readonly securityMode?: number
  /** Alters the NEGOTIATE response on its way to the client (a copy; the server keeps the original). */
  readonly tamperNegotiate?: (message: Uint8Array) => Uint8Array
  /** The man in the middle replaces the VALIDATE_NEGOTIATE_INFO response with this one, unsigned. */
  readonly forgeValidate?: (truth: ValidateNegotiateInfoResponse) => ValidateNegotiateInfoResponse
  /** Refuses every logon with STATUS_LOGON_FAILURE. */
  readonly refuseLogon?: boolean
  /** Answers the requests it picks with STATUS_NETWORK_SESSION_EXPIRED (signed), until re-authenticated. */
  readonly expire?: (request: ReceivedRequest) => boolean
  /** How to answer (signed) what the server does not handle itself; default a bare success. */
  readonly answer?: (request: ReceivedRequest) => RespondOptions
}

export interface FakeServer {
  readonly handler: Handler
  /** Every frame the client sent, as the server received it. */
  readonly received: Array<Uint8Array>
  /** Re-authentications of the established session completed (its keys kept, MS-SMB2 3.3.5.5.3). */
  readonly reauthentications: () => number
}

const SESSION_ID = 0x0000_4400_0000_0011n
const TREE_ID = 5
const SERVER_GUID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
const CHALLENGE = fromHex(NLMP_CHALLENGE)
const SERVER_CHALLENGE = CHALLENGE.subarray(24, 32)
const KEY_EXCH = 0x40000000

const hmacMd5 = (key: Uint8Array, ...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const hmac = createHmac("md5", key)
  for (const part of parts) hmac.update(part)
  return new Uint8Array(hmac.digest())
}

/** A payload field of an NTLM message by its descriptor offset (MS-NLMP 2.2.1.3). */
const field = (message: Uint8Array, descriptor: number): Uint8Array => {
  const view = viewOf(message)
  const offset = view.getUint32(descriptor + 4, true)
  return message.subarray(offset, offset + view.getUint16(descriptor, true))
}

/**
 * The ExportedSessionKey of an AUTHENTICATE_MESSAGE, or undefined when its NTLMv2 response does
 * not prove knowledge of `password` (MS-NLMP 3.3.2 and 3.2.5.1.2, server side).
 */
const exportedSessionKey = (authenticate: Uint8Array, password: string): Uint8Array | undefined => {
  const nt = field(authenticate, 20)
  if (nt.byteLength < 16) return undefined
  const user = decodeUtf16(field(authenticate, 36))
  const domain = decodeUtf16(field(authenticate, 28))
  const responseKey = ntowfv2(Redacted.make(password), user, domain)
  const ntProofStr = nt.subarray(0, 16)
  if (!timingSafeEqual(ntProofStr, hmacMd5(responseKey, SERVER_CHALLENGE, nt.subarray(16)))) return undefined
  const sessionBaseKey = hmacMd5(responseKey, ntProofStr)
  const flags = viewOf(authenticate).getUint32(60, true)
  return (flags & KEY_EXCH) !== 0 ? rc4(sessionBaseKey, field(authenticate, 52)) : sessionBaseKey
}

export const makeFakeServer = (options: FakeServerOptions): FakeServer => {
  const { dialect } = options
  const securityMode = options.securityMode ?? (SecurityMode.SIGNING_ENABLED | SecurityMode.SIGNING_REQUIRED)
  const capabilities = Capabilities.LARGE_MTU
  const signingAlgorithm: SigningAlgorithmId = dialect === Dialect.SMB_3_1_1 ? SigningAlgorithm.AES_GMAC : SigningAlgorithm.AES_CMAC
  const received: Array<Uint8Array> = []
  let preauth = PreauthHash.initial
  let session: SessionSecurity | undefined
  let expired = false
  let reauthenticated = 0

  const respond = (peer: TestPeer, request: ReceivedRequest, options: RespondOptions, sign = true) => {
    const message = encodeResponse(request, { credits: Math.max(1, request.header.credits), ...options })
    return peer.sendFrame(sign && session !== undefined ? signAsServer(session, message) : message)
  }

  const negotiate = (peer: TestPeer, request: ReceivedRequest) => {
    const message = encodeResponse(request, {
      credits: Math.max(1, request.header.credits),
      body: negotiateResponseBody({
        dialect,
        securityMode,
        serverGuid: SERVER_GUID,
        capabilities,
        contexts: [{ _tag: "Signing", algorithms: [SigningAlgorithm.AES_GMAC] }]
      })
    })
    preauth = PreauthHash.initial.update(request.message).update(message)
    return peer.sendFrame(options.tamperNegotiate === undefined ? message : options.tamperNegotiate(message.slice()))
  }

  const sessionSetup = (peer: TestPeer, request: ReceivedRequest) =>
    Effect.suspend(() => {
      const token = Either.flatMap(decodeSessionSetupRequest(request.message), (r) => decodeNegTokenResp(r.securityBuffer))
      if (session !== undefined && request.header.sessionId === SESSION_ID) {
        // A re-authentication: the same rounds on the established session, signed with its keys, which stay.
        if (Either.isLeft(token)) {
          return respond(peer, request, {
            status: Status.MORE_PROCESSING_REQUIRED,
            sessionId: SESSION_ID,
            body: encodeSessionSetupResponse({
              sessionFlags: 0,
              securityBuffer: encodeNegTokenResp({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: CHALLENGE })
            })
          })
        }
        const authenticate = token.right.responseToken
        if (authenticate === undefined || exportedSessionKey(authenticate, options.password) === undefined) {
          return respond(peer, request, { status: Status.LOGON_FAILURE })
        }
        expired = false
        reauthenticated++
        return respond(peer, request, { body: encodeSessionSetupResponse({ sessionFlags: 0, securityBuffer: new Uint8Array(0) }) })
      }
      preauth = preauth.update(request.message)
      if (request.header.sessionId === 0n) {
        const message = encodeResponse(request, {
          status: Status.MORE_PROCESSING_REQUIRED,
          sessionId: SESSION_ID,
          credits: Math.max(1, request.header.credits),
          body: encodeSessionSetupResponse({
            sessionFlags: 0,
            securityBuffer: encodeNegTokenResp({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID, responseToken: CHALLENGE })
          })
        })
        preauth = preauth.update(message)
        return peer.sendFrame(message)
      }
      const authenticate = Either.isRight(token) ? token.right.responseToken : undefined
      const sessionKey = authenticate === undefined || options.refuseLogon === true
        ? undefined
        : exportedSessionKey(authenticate, options.password)
      if (sessionKey === undefined) return respond(peer, request, { status: Status.LOGON_FAILURE })
      const keys = dialect === Dialect.SMB_3_1_1
        ? deriveSessionKeys({ dialect, sessionKey, preauthHash: preauth.value })
        : deriveSessionKeys({ dialect, sessionKey })
      session = {
        sessionId: SESSION_ID,
        signingAlgorithm,
        signingKey: keys.signingKey,
        signingRequired: true,
        encryptData: false
      }
      return respond(peer, request, { body: encodeSessionSetupResponse({ sessionFlags: 0, securityBuffer: new Uint8Array(0) }) })
    })

  const validateNegotiate = (peer: TestPeer, request: ReceivedRequest) => {
    const truth: ValidateNegotiateInfoResponse = { capabilities, guid: SERVER_GUID, securityMode, dialect }
    const forged = options.forgeValidate?.(truth)
    const body = encodeIoctlResponse({
      ctlCode: CtlCode.FSCTL_VALIDATE_NEGOTIATE_INFO,
      fileId: NO_FILE_ID,
      input: new Uint8Array(0),
      output: encodeValidateNegotiateInfoResponse(forged ?? truth),
      flags: 0
    })
    return respond(peer, request, { body }, forged === undefined)
  }

  const handler: Handler = (request, peer) => {
    received.push(request.frame)
    if (request.kind !== "smb2") return Effect.void
    if (request.header.command !== Command.SESSION_SETUP && session !== undefined && (expired || options.expire?.(request) === true)) {
      expired = true
      return respond(peer, request, { status: Status.NETWORK_SESSION_EXPIRED })
    }
    switch (request.header.command) {
      case Command.NEGOTIATE:
        return negotiate(peer, request)
      case Command.SESSION_SETUP:
        return sessionSetup(peer, request)
      case Command.TREE_CONNECT:
        return respond(peer, request, {
          treeId: TREE_ID,
          body: encodeTreeConnectResponse({ shareType: ShareType.DISK, shareFlags: 0, capabilities: 0, maximalAccess: 0x1f01ff })
        })
      case Command.IOCTL:
        return validateNegotiate(peer, request)
      case Command.CANCEL:
        return Effect.void
      default:
        return respond(peer, request, options.answer?.(request) ?? {})
    }
  }
  return { handler, received, reauthentications: () => reauthenticated }
}
