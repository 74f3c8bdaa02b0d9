/**
 * Samba's smbclient as the benches run it against their Samba: one `-c` command on the share over
 * SMB 3.1.1, logged on as the share's user, with the protection flags given.
 */
import type { SambaInstance } from "../../test/support/samba/Samba.js"

export const smbclientArgs = (
  server: SambaInstance,
  protection: ReadonlyArray<string>,
  command: string
): Array<string> => [
  `//127.0.0.1/${server.share}`,
  "-p",
  String(server.port),
  "-U",
  `${server.user}%${server.password}`,
  "-m",
  "SMB3_11",
  ...protection,
  "-c",
  command
]
