/**
 * DCE/RPC bytes from a real server, for the codec tests.
 *
 * Captured on 127.0.0.1 from Samba 4.17.12-Debian (the `default` variant of the test harness,
 * test/support/samba: a standalone server with one disk share `share` and "server string = smb
 * test server"), an SMB 3.1.1 session as smbuser, by test/rpc/samba.test.ts run with
 * EFFECT_SMB_CAPTURE_RPC=1: the output of the two FSCTL_PIPE_TRANSCEIVE IOCTLs on IPC$\\srvsvc,
 * each a whole PDU (no STATUS_BUFFER_OVERFLOW, no READ). The requests are this client's own
 * encodings, which that server accepted.
 */
import { fromHex } from "../support/bytes.js"

/** Our bind: srvsvc 3.0 in NDR 2.0, context 0, 4280-byte fragments, call id 1. */
export const BIND = fromHex(
  "05000b03100000004800000001000000b810b810000000000100000000000100c84f324b7016d30112785a47bf6ee188" +
  "03000000045d888aeb1cc9119fe808002b10486002000000"
)

/** Samba's bind_ack: 4280/4280, assoc group 0xbd7f, secondary address "\\pipe\\srvsvc", NDR 2.0 accepted. */
export const BIND_ACK = fromHex(
  "05000c03100000004400000001000000b810b8107fbd00000d005c706970655c73727673766300000100000000000000" +
  "045d888aeb1cc9119fe808002b10486002000000"
)

/** Our NetrShareEnum request (opnum 15, call id 2): ServerName "\\\\127.0.0.1", level 1, MAX_PREFERRED_LENGTH, resume handle 0. */
export const SHARE_ENUM_REQUEST = fromHex(
  "050000031000000060000000020000004800000000000f00000002000c000000000000000c0000005c005c0031003200" +
  "37002e0030002e0030002e00310000000100000001000000040002000000000000000000ffffffff0800020000000000"
)

/** Samba's response: two entries, `share` (disk, no remark) and IPC$ (0x80000003), TotalEntries 2, status 0. */
export const SHARE_ENUM_RESPONSE = fromHex(
  "0500020310000000e000000002000000c80000000000000001000000010000000c000200020000001000020002000000" +
  "1400020000000000180002001c0002000300008020000200060000000000000006000000730068006100720065000000" +
  "010000000000000001000000000000000500000000000000050000004900500043002400000000001e00000000000000" +
  "1e000000490050004300200053006500720076006900630065002000280073006d006200200074006500730074002000" +
  "7300650072007600650072002900000002000000240002000000000000000000"
)
