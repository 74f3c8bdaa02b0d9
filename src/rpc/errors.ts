/**
 * The typed errors of the DCE/RPC layer (src/rpc): a server's fault PDU, a refused bind, a PDU
 * stream that breaks the protocol, and a call whose own return value says it failed. Like the
 * errors of src/errors.ts, each has a `reason` a program can switch on and a readable `message`.
 *
 * A fault or a Win32 status keeps its number in `status`, so an unnamed one is never lost; the
 * names are those of C706 Appendix E (`nca_s_*`) and of winerror.h (`ERROR_*`, `RPC_S_*`), as
 * Windows and Samba put them in fault PDUs and in return values.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { DecodeError } from "../errors.js"

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`

/** Fault statuses of C706 Appendix E. */
const ncaNames: Readonly<Record<number, string>> = {
  0x1c010001: "nca_s_comm_failure",
  0x1c010002: "nca_s_op_rng_error",
  0x1c010003: "nca_s_unk_if",
  0x1c010006: "nca_s_wrong_boot_time",
  0x1c010009: "nca_s_you_crashed",
  0x1c01000b: "nca_s_proto_error",
  0x1c010013: "nca_s_out_args_too_big",
  0x1c010014: "nca_s_server_too_busy",
  0x1c010015: "nca_s_fault_string_too_long",
  0x1c010017: "nca_s_unsupported_type",
  0x1c000001: "nca_s_fault_int_div_by_zero",
  0x1c000002: "nca_s_fault_addr_error",
  0x1c000003: "nca_s_fault_fp_div_zero",
  0x1c000004: "nca_s_fault_fp_underflow",
  0x1c000005: "nca_s_fault_fp_overflow",
  0x1c000006: "nca_s_fault_invalid_tag",
  0x1c000007: "nca_s_fault_invalid_bound",
  0x1c000008: "nca_s_rpc_version_mismatch",
  0x1c000009: "nca_s_unspec_reject",
  0x1c00000a: "nca_s_bad_actid",
  0x1c00000b: "nca_s_who_are_you_failed",
  0x1c00000c: "nca_s_manager_not_entered",
  0x1c00000d: "nca_s_fault_cancel",
  0x1c00000e: "nca_s_fault_ill_inst",
  0x1c00000f: "nca_s_fault_fp_error",
  0x1c000010: "nca_s_fault_int_overflow",
  0x1c000012: "nca_s_fault_unspec",
  0x1c000013: "nca_s_fault_remote_comm_failure",
  0x1c000014: "nca_s_fault_pipe_empty",
  0x1c000015: "nca_s_fault_pipe_closed",
  0x1c000016: "nca_s_fault_pipe_order",
  0x1c000017: "nca_s_fault_pipe_discipline",
  0x1c000018: "nca_s_fault_pipe_comm_error",
  0x1c000019: "nca_s_fault_pipe_memory",
  0x1c00001a: "nca_s_fault_context_mismatch",
  0x1c00001b: "nca_s_fault_remote_no_memory",
  0x1c00001c: "nca_s_invalid_pres_context_id",
  0x1c00001d: "nca_s_unsupported_authn_level",
  0x1c00001f: "nca_s_invalid_checksum",
  0x1c000020: "nca_s_invalid_crc",
  0x1c000021: "nca_s_fault_user_defined",
  0x1c000022: "nca_s_fault_tx_open_failed",
  0x1c000023: "nca_s_fault_codeset_conv_error",
  0x1c000024: "nca_s_fault_object_not_found",
  0x1c000025: "nca_s_fault_no_client_stub"
}

/** Win32 statuses seen in fault PDUs (MS-RPCE 2.2.2.11 lets them stand there) and in return values. */
const win32Names: Readonly<Record<number, string>> = {
  0: "ERROR_SUCCESS",
  1: "ERROR_INVALID_FUNCTION",
  5: "ERROR_ACCESS_DENIED",
  8: "ERROR_NOT_ENOUGH_MEMORY",
  50: "ERROR_NOT_SUPPORTED",
  53: "ERROR_BAD_NETPATH",
  87: "ERROR_INVALID_PARAMETER",
  123: "ERROR_INVALID_NAME",
  124: "ERROR_INVALID_LEVEL",
  234: "ERROR_MORE_DATA",
  259: "ERROR_NO_MORE_ITEMS",
  1717: "RPC_S_UNKNOWN_IF",
  1726: "RPC_S_CALL_FAILED",
  1728: "RPC_S_PROTOCOL_ERROR",
  1733: "RPC_X_INVALID_TAG",
  1734: "RPC_X_INVALID_BOUND",
  1745: "RPC_S_PROCNUM_OUT_OF_RANGE",
  1752: "EPT_S_CANT_PERFORM_OP",
  1764: "RPC_S_CANNOT_SUPPORT",
  1780: "RPC_X_NULL_REF_POINTER",
  1783: "RPC_X_BAD_STUB_DATA",
  1818: "RPC_S_CALL_CANCELLED",
  1825: "RPC_S_SEC_PKG_ERROR",
  2123: "NERR_BufTooSmall",
  2310: "NERR_NetNameNotFound"
}

/**
 * The name of a fault status or Win32 status, or its number in hex when it has none here.
 *
 * @since 0.1.0
 * @category errors
 */
export const rpcStatusName = (status: number): string => ncaNames[status >>> 0] ?? win32Names[status >>> 0] ?? hex(status)

/**
 * The server answered a call with a fault PDU (C706 12.6.4.7). `reason` names the status (e.g.
 * `nca_s_op_rng_error`, `ERROR_ACCESS_DENIED`); `status` keeps the number.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcFault extends Data.TaggedError("RpcFault")<{
  readonly reason: string
  readonly status: number
  /** The operation that faulted, e.g. "srvsvc.NetrShareEnum". */
  readonly operation: string
  /** PFC_DID_NOT_EXECUTE: the server says the call never ran. */
  readonly didNotExecute: boolean
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.operation}: RPC fault ${this.reason} (${hex(this.status)})`
  }
}

/**
 * The bind was refused: a bind_nak, or a bind_ack that rejects the presentation context.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcBindRejected extends Data.TaggedError("RpcBindRejected")<{
  readonly reason: "BindNak" | "UserRejection" | "ProviderRejection" | "NoResult"
  /** The provider reason (bind_ack) or the reject reason (bind_nak), when there is one. */
  readonly code?: number
  /** The interface that was asked for, e.g. "srvsvc 3.0". */
  readonly syntax: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const code = this.code === undefined ? "" : ` (reason ${this.code})`
    return `RPC bind to ${this.syntax} refused: ${this.reason}${code}`
  }
}

/**
 * The PDUs on the pipe break the connection-oriented protocol: a PDU of the wrong type, another
 * call id, a response that does not start with the first fragment or grows past the limit, a
 * request larger than the negotiated fragment, or a read that returns nothing.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcProtocolError extends Data.TaggedError("RpcProtocolError")<{
  readonly reason: "UnexpectedPdu" | "CallIdMismatch" | "FragmentOrder" | "TooLarge" | "EmptyRead"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `RPC protocol error: ${this.reason}: ${this.detail}`
  }
}

/**
 * The call ran and returned a failure status of its own (a WERROR / NET_API_STATUS), e.g.
 * NetrShareEnum's ERROR_ACCESS_DENIED.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcCallFailed extends Data.TaggedError("RpcCallFailed")<{
  readonly reason: string
  readonly status: number
  readonly operation: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.operation} failed: ${this.reason} (${hex(this.status)})`
  }
}

/**
 * Every error of an RPC call apart from those of the SMB requests that carry it.
 *
 * @since 0.1.0
 * @category errors
 */
export type RpcError = RpcFault | RpcBindRejected | RpcProtocolError | RpcCallFailed | DecodeError
