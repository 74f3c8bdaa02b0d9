/**
 * What a man in the middle can read and rewrite in SMB2 frames without any key, as plain
 * functions over Uint8Array (a frame is the payload of one direct-TCP frame: an SMB2 message, a
 * compound of them, or a TRANSFORM_HEADER with its ciphertext). Offsets are written out from
 * MS-SMB2 on purpose, independent of src/wire, so that the harness does not share a bug with the
 * client it attacks. Every rewrite returns a new array and leaves its input alone.
 *
 * SMB2 header (2.2.1): ProtocolId 0xFE 'S' 'M' 'B' at 0, StructureSize 64 at 4, CreditCharge 6,
 * Status 8, Command 12, Credits 14, Flags 16, NextCommand 20, MessageId 24, AsyncId or
 * Reserved(ProcessId) + TreeId at 32..39, SessionId 40, Signature 48..63.
 * TRANSFORM_HEADER (2.2.41): 0xFD 'S' 'M' 'B' at 0, Signature 4..19, Nonce 20..35,
 * OriginalMessageSize 36, Reserved 40, Flags 42, SessionId 44; 52 bytes, then the ciphertext.
 */

export const HEADER_SIZE = 64
export const TRANSFORM_HEADER_SIZE = 52

export const Offset = {
  ProtocolId: 0,
  StructureSize: 4,
  CreditCharge: 6,
  Status: 8,
  Command: 12,
  Credits: 14,
  Flags: 16,
  NextCommand: 20,
  MessageId: 24,
  AsyncId: 32,
  ProcessId: 32,
  TreeId: 36,
  SessionId: 40,
  Signature: 48
} as const

export const TransformOffset = {
  ProtocolId: 0,
  Signature: 4,
  Nonce: 20,
  OriginalMessageSize: 36,
  Reserved: 40,
  Flags: 42,
  SessionId: 44
} as const

export const Flags = {
  SERVER_TO_REDIR: 0x1,
  ASYNC_COMMAND: 0x2,
  RELATED_OPERATIONS: 0x4,
  SIGNED: 0x8
} as const

export const Cmd = {
  NEGOTIATE: 0x00,
  SESSION_SETUP: 0x01,
  LOGOFF: 0x02,
  TREE_CONNECT: 0x03,
  TREE_DISCONNECT: 0x04,
  CREATE: 0x05,
  CLOSE: 0x06,
  FLUSH: 0x07,
  READ: 0x08,
  WRITE: 0x09,
  LOCK: 0x0a,
  IOCTL: 0x0b,
  CANCEL: 0x0c,
  ECHO: 0x0d,
  QUERY_DIRECTORY: 0x0e,
  CHANGE_NOTIFY: 0x0f,
  QUERY_INFO: 0x10,
  SET_INFO: 0x11,
  OPLOCK_BREAK: 0x12,
  SERVER_TO_CLIENT_NOTIFICATION: 0x13
} as const

export const STATUS_SUCCESS = 0
export const STATUS_PENDING = 0x00000103
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016
export const UNSOLICITED_MESSAGE_ID = 0xffffffffffffffffn

/** NEGOTIATE response SecurityMode bits (2.2.4). */
export const SecurityMode = { SIGNING_ENABLED: 0x1, SIGNING_REQUIRED: 0x2 } as const
/** SESSION_SETUP response SessionFlags (2.2.6). */
export const SessionFlags = { IS_GUEST: 0x1, IS_NULL: 0x2, ENCRYPT_DATA: 0x4 } as const
/** SERVER_TO_CLIENT_NOTIFICATION NotificationType (2.2.44). */
export const SMB2_NOTIFY_SESSION_CLOSED = 0

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
const copy = (bytes: Uint8Array) => new Uint8Array(bytes)

const protocolBytes = (frame: Uint8Array, first: number): boolean =>
  frame.byteLength >= 4 && frame[0] === first && frame[1] === 0x53 && frame[2] === 0x4d && frame[3] === 0x42

/** An SMB2 message (or compound): 0xFE 'S' 'M' 'B'. */
export const isSmb2 = (frame: Uint8Array): boolean => protocolBytes(frame, 0xfe) && frame.byteLength >= HEADER_SIZE
/** A TRANSFORM_HEADER frame: 0xFD 'S' 'M' 'B'. */
export const isTransform = (frame: Uint8Array): boolean => protocolBytes(frame, 0xfd) && frame.byteLength >= TRANSFORM_HEADER_SIZE
/** An SMB1 message: 0xFF 'S' 'M' 'B'. */
export const isSmb1 = (frame: Uint8Array): boolean => protocolBytes(frame, 0xff)

/** The header fields of the message at `at` (default the first of the frame). */
export interface HeaderView {
  readonly offset: number
  readonly creditCharge: number
  readonly status: number
  readonly command: number
  readonly credits: number
  readonly flags: number
  readonly nextCommand: number
  readonly messageId: bigint
  readonly treeId: number
  readonly asyncId: bigint
  readonly sessionId: bigint
  readonly signature: Uint8Array
  readonly signed: boolean
  readonly response: boolean
}

export const headerAt = (frame: Uint8Array, at = 0): HeaderView => {
  if (frame.byteLength < at + HEADER_SIZE) throw new RangeError(`no SMB2 header at ${at} in ${frame.byteLength} bytes`)
  const v = view(frame)
  const flags = v.getUint32(at + Offset.Flags, true)
  return {
    offset: at,
    creditCharge: v.getUint16(at + Offset.CreditCharge, true),
    status: v.getUint32(at + Offset.Status, true),
    command: v.getUint16(at + Offset.Command, true),
    credits: v.getUint16(at + Offset.Credits, true),
    flags,
    nextCommand: v.getUint32(at + Offset.NextCommand, true),
    messageId: v.getBigUint64(at + Offset.MessageId, true),
    treeId: v.getUint32(at + Offset.TreeId, true),
    asyncId: v.getBigUint64(at + Offset.AsyncId, true),
    sessionId: v.getBigUint64(at + Offset.SessionId, true),
    signature: frame.slice(at + Offset.Signature, at + Offset.Signature + 16),
    signed: (flags & Flags.SIGNED) !== 0,
    response: (flags & Flags.SERVER_TO_REDIR) !== 0
  }
}

/** The offsets of each message of an SMB2 frame, following NextCommand (one for a plain message). */
export const messageOffsets = (frame: Uint8Array): Array<number> => {
  if (!isSmb2(frame)) return []
  const offsets: Array<number> = []
  const v = view(frame)
  for (let at = 0; ;) {
    if (frame.byteLength < at + HEADER_SIZE) break
    offsets.push(at)
    const next = v.getUint32(at + Offset.NextCommand, true)
    if (next === 0 || next < HEADER_SIZE || at + next >= frame.byteLength) break
    at += next
  }
  return offsets
}

/** Every header of an SMB2 frame (compounds included); none for TRANSFORM or SMB1 frames. */
export const headers = (frame: Uint8Array): Array<HeaderView> => messageOffsets(frame).map((at) => headerAt(frame, at))

/** The SessionId of a TRANSFORM_HEADER. */
export const transformSessionId = (frame: Uint8Array): bigint => view(frame).getBigUint64(TransformOffset.SessionId, true)

/** A one-line description, for failure messages and debugging. */
export const describeFrame = (frame: Uint8Array): string => {
  if (isTransform(frame)) return `TRANSFORM session=0x${transformSessionId(frame).toString(16)} size=${frame.byteLength}`
  if (isSmb1(frame)) return `SMB1 size=${frame.byteLength}`
  if (!isSmb2(frame)) return `? size=${frame.byteLength}`
  return headers(frame)
    .map((h) =>
      `cmd=0x${h.command.toString(16)} ${h.response ? "resp" : "req"} mid=${h.messageId} status=0x${h.status.toString(16)} ` +
      `flags=0x${h.flags.toString(16)} session=0x${h.sessionId.toString(16)} tree=${h.treeId}`
    )
    .join(" | ")
}

// ---------------------------------------------------------------------------------------------
// Rewrites. Each applies to every message of a compound and returns a copy.

const eachMessage = (frame: Uint8Array, edit: (out: Uint8Array, v: DataView, at: number) => void): Uint8Array => {
  const out = copy(frame)
  const v = view(out)
  for (const at of messageOffsets(out)) edit(out, v, at)
  return out
}

/**
 * Clears SMB2_FLAGS_SIGNED and zeroes the signature of every message that is signed. Messages
 * that are not signed are left byte for byte (a 3.1.1 preauth hash covers some of them).
 * TRANSFORM and SMB1 frames come back unchanged.
 */
export const stripSignatures = (frame: Uint8Array): Uint8Array =>
  eachMessage(frame, (out, v, at) => {
    const flags = v.getUint32(at + Offset.Flags, true)
    if ((flags & Flags.SIGNED) === 0) return
    v.setUint32(at + Offset.Flags, flags & ~Flags.SIGNED, true)
    out.fill(0, at + Offset.Signature, at + Offset.Signature + 16)
  })

/** Sets the SessionId of every message (SMB2) or of the TRANSFORM_HEADER. */
export const setSessionId = (frame: Uint8Array, sessionId: bigint): Uint8Array => {
  if (isTransform(frame)) {
    const out = copy(frame)
    view(out).setBigUint64(TransformOffset.SessionId, sessionId, true)
    return out
  }
  return eachMessage(frame, (_out, v, at) => v.setBigUint64(at + Offset.SessionId, sessionId, true))
}

/** Sets the MessageId of every message. */
export const setMessageId = (frame: Uint8Array, messageId: bigint): Uint8Array =>
  eachMessage(frame, (_out, v, at) => v.setBigUint64(at + Offset.MessageId, messageId, true))

/** ORs `set` into and clears `clear` from the Flags of every message. */
export const setFlags = (frame: Uint8Array, set: number, clear = 0): Uint8Array =>
  eachMessage(frame, (_out, v, at) => v.setUint32(at + Offset.Flags, ((v.getUint32(at + Offset.Flags, true) | set) & ~clear) >>> 0, true))

/**
 * NEGOTIATE response body (2.2.4), from the end of the header: StructureSize 65 (0), SecurityMode
 * (2), DialectRevision (4), NegotiateContextCount (6), ServerGuid (8), Capabilities (24),
 * MaxTransactSize (28), MaxReadSize (32), MaxWriteSize (36), SystemTime (40), ServerStartTime (48),
 * SecurityBufferOffset (56), SecurityBufferLength (58), NegotiateContextOffset (60), Buffer (64).
 */
export const NegotiateResponseOffset = {
  StructureSize: 0,
  SecurityMode: 2,
  DialectRevision: 4,
  NegotiateContextCount: 6,
  Capabilities: 24,
  SecurityBufferOffset: 56,
  SecurityBufferLength: 58,
  NegotiateContextOffset: 60
} as const

export const isNegotiateResponse = (frame: Uint8Array): boolean => {
  if (!isSmb2(frame) || frame.byteLength < HEADER_SIZE + 64) return false
  const h = headerAt(frame)
  return h.command === Cmd.NEGOTIATE && h.response
}

/** The DialectRevision of a NEGOTIATE response. */
export const negotiatedDialect = (frame: Uint8Array): number => view(frame).getUint16(HEADER_SIZE + NegotiateResponseOffset.DialectRevision, true)

export interface WeakenNegotiate {
  /** Clear SIGNING_REQUIRED (bit 0x2) in SecurityMode. Default true. */
  readonly clearSigningRequired?: boolean
  /**
   * Drop the negotiate contexts: NegotiateContextCount 0, NegotiateContextOffset 0, and the frame
   * cut after the security buffer. Default false.
   */
  readonly dropContexts?: boolean
}

/** A NEGOTIATE response with its protections weakened; any other frame comes back unchanged (copied). */
export const weakenNegotiateResponse = (frame: Uint8Array, options: WeakenNegotiate = {}): Uint8Array => {
  if (!isNegotiateResponse(frame)) return copy(frame)
  let out = copy(frame)
  const body = HEADER_SIZE
  const v = view(out)
  if (options.clearSigningRequired ?? true) {
    const mode = v.getUint16(body + NegotiateResponseOffset.SecurityMode, true)
    v.setUint16(body + NegotiateResponseOffset.SecurityMode, mode & ~SecurityMode.SIGNING_REQUIRED, true)
  }
  if (options.dropContexts === true) {
    const count = v.getUint16(body + NegotiateResponseOffset.NegotiateContextCount, true)
    const contextOffset = v.getUint32(body + NegotiateResponseOffset.NegotiateContextOffset, true)
    v.setUint16(body + NegotiateResponseOffset.NegotiateContextCount, 0, true)
    v.setUint32(body + NegotiateResponseOffset.NegotiateContextOffset, 0, true)
    if (count > 0 && contextOffset > 0) {
      const securityEnd = v.getUint16(body + NegotiateResponseOffset.SecurityBufferOffset, true) +
        v.getUint16(body + NegotiateResponseOffset.SecurityBufferLength, true)
      out = out.slice(0, Math.min(out.byteLength, Math.max(securityEnd, HEADER_SIZE + 64)))
    }
  }
  return out
}

/** SESSION_SETUP response body (2.2.6): StructureSize 9 (0), SessionFlags (2), SecurityBufferOffset (4), Length (6). */
export const isSessionSetupResponse = (frame: Uint8Array): boolean => {
  if (!isSmb2(frame) || frame.byteLength < HEADER_SIZE + 8) return false
  const h = headerAt(frame)
  return h.command === Cmd.SESSION_SETUP && h.response
}

/** The final (STATUS_SUCCESS) SESSION_SETUP response. */
export const isFinalSessionSetupResponse = (frame: Uint8Array): boolean =>
  isSessionSetupResponse(frame) && headerAt(frame).status === STATUS_SUCCESS

export const sessionFlagsOf = (frame: Uint8Array): number => view(frame).getUint16(HEADER_SIZE + 2, true)

/** ORs `set` into (and clears `clear` from) the SessionFlags of a SESSION_SETUP response. */
export const setSessionFlags = (frame: Uint8Array, set: number, clear = 0): Uint8Array => {
  const out = copy(frame)
  if (!isSessionSetupResponse(out)) return out
  const v = view(out)
  v.setUint16(HEADER_SIZE + 2, ((v.getUint16(HEADER_SIZE + 2, true) | set) & ~clear) & 0xffff, true)
  return out
}

// ---------------------------------------------------------------------------------------------
// Forged messages.

export interface ForgedHeader {
  readonly command: number
  readonly messageId: bigint
  readonly sessionId?: bigint
  readonly treeId?: number
  readonly status?: number
  /** Default SERVER_TO_REDIR (a response). */
  readonly flags?: number
  readonly credits?: number
  readonly creditCharge?: number
  readonly asyncId?: bigint
}

/** A plaintext, unsigned SMB2 message: header then `body`. */
export const buildMessage = (header: ForgedHeader, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(HEADER_SIZE + body.byteLength)
  const v = view(out)
  out.set([0xfe, 0x53, 0x4d, 0x42], 0)
  v.setUint16(Offset.StructureSize, 64, true)
  v.setUint16(Offset.CreditCharge, header.creditCharge ?? 0, true)
  v.setUint32(Offset.Status, header.status ?? STATUS_SUCCESS, true)
  v.setUint16(Offset.Command, header.command, true)
  v.setUint16(Offset.Credits, header.credits ?? 1, true)
  const flags = header.flags ?? Flags.SERVER_TO_REDIR
  v.setUint32(Offset.Flags, flags, true)
  v.setBigUint64(Offset.MessageId, header.messageId, true)
  if ((flags & Flags.ASYNC_COMMAND) !== 0) v.setBigUint64(Offset.AsyncId, header.asyncId ?? 0n, true)
  else v.setUint32(Offset.TreeId, header.treeId ?? 0, true)
  v.setBigUint64(Offset.SessionId, header.sessionId ?? 0n, true)
  out.set(body, HEADER_SIZE)
  return out
}

/** ECHO response body (2.2.29): StructureSize 4, Reserved. */
export const echoResponseBody = (): Uint8Array => new Uint8Array([4, 0, 0, 0])

/** A plaintext, unsigned ECHO response. */
export const buildEchoResponse = (messageId: bigint, sessionId = 0n, credits = 1): Uint8Array =>
  buildMessage({ command: Cmd.ECHO, messageId, sessionId, credits }, echoResponseBody())

/**
 * READ response (2.2.20): StructureSize 17, DataOffset (u8, from the header's start), Reserved,
 * DataLength, DataRemaining, Reserved2, then the data.
 */
export const buildReadResponse = (messageId: bigint, data: Uint8Array, sessionId = 0n, treeId = 0): Uint8Array => {
  const body = new Uint8Array(16 + data.byteLength)
  const v = view(body)
  v.setUint16(0, 17, true)
  body[2] = HEADER_SIZE + 16
  v.setUint32(4, data.byteLength, true)
  body.set(data, 16)
  return buildMessage({ command: Cmd.READ, messageId, sessionId, treeId }, body)
}

/**
 * SERVER_TO_CLIENT_NOTIFICATION (2.2.44): MessageId 0xFFFFFFFFFFFFFFFF, body StructureSize 8 (0),
 * Reserved (2), NotificationType u32 (4), then for SMB2_NOTIFY_SESSION_CLOSED a 4-byte Reserved.
 * Plaintext and unsigned, as an attacker without keys must send it.
 */
export const buildSessionClosedNotification = (sessionId: bigint): Uint8Array => {
  const body = new Uint8Array(12)
  const v = view(body)
  v.setUint16(0, 8, true)
  v.setUint32(4, SMB2_NOTIFY_SESSION_CLOSED, true)
  return buildMessage({ command: Cmd.SERVER_TO_CLIENT_NOTIFICATION, messageId: UNSOLICITED_MESSAGE_ID, sessionId, credits: 0 }, body)
}

// ---------------------------------------------------------------------------------------------
// Bit flips.

/** Flips bit `bit` (0..7) of byte `at`. */
export const flipBit = (frame: Uint8Array, at: number, bit = 0): Uint8Array => {
  if (at < 0 || at >= frame.byteLength) throw new RangeError(`byte ${at} outside a ${frame.byteLength}-byte frame`)
  const out = copy(frame)
  out[at] = out[at]! ^ (1 << bit)
  return out
}

/** Flips one bit of a TRANSFORM frame's ciphertext (`index` bytes into it; default the middle). */
export const flipCiphertextBit = (frame: Uint8Array, index?: number, bit = 0): Uint8Array => {
  if (!isTransform(frame) || frame.byteLength <= TRANSFORM_HEADER_SIZE) throw new RangeError("not a TRANSFORM frame with ciphertext")
  const length = frame.byteLength - TRANSFORM_HEADER_SIZE
  return flipBit(frame, TRANSFORM_HEADER_SIZE + (index ?? Math.floor(length / 2)) % length, bit)
}

/** Flips one bit of the first message's body (e.g. to break a signature); default its last byte. */
export const flipBodyBit = (frame: Uint8Array, index?: number, bit = 0): Uint8Array => {
  const end = messageOffsets(frame)[1] ?? frame.byteLength
  return flipBit(frame, index === undefined ? end - 1 : HEADER_SIZE + index, bit)
}
