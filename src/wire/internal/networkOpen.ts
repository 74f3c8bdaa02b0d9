/**
 * The times, sizes and attributes block that FileNetworkOpenInformation (MS-FSCC 2.4.29), the
 * CREATE response (MS-SMB2 2.2.14) and the CLOSE response (MS-SMB2 2.2.16) share: four FILETIMEs,
 * AllocationSize, EndOfFile and FileAttributes, 52 bytes in that order.
 *
 * @internal
 */
import type { FileNetworkOpenInformation } from "../FileInformation.js"
import type { Reader } from "../Reader.js"

export const writeNetworkOpen = (v: DataView, at: number, x: FileNetworkOpenInformation): void => {
  v.setBigUint64(at, x.creationTime, true)
  v.setBigUint64(at + 8, x.lastAccessTime, true)
  v.setBigUint64(at + 16, x.lastWriteTime, true)
  v.setBigUint64(at + 24, x.changeTime, true)
  v.setBigUint64(at + 32, x.allocationSize, true)
  v.setBigUint64(at + 40, x.endOfFile, true)
  v.setUint32(at + 48, x.fileAttributes, true)
}

export const readNetworkOpen = (r: Reader, at: number): FileNetworkOpenInformation => ({
  creationTime: r.u64(at, "CreationTime"),
  lastAccessTime: r.u64(at + 8, "LastAccessTime"),
  lastWriteTime: r.u64(at + 16, "LastWriteTime"),
  changeTime: r.u64(at + 24, "ChangeTime"),
  allocationSize: r.u64(at + 32, "AllocationSize"),
  endOfFile: r.u64(at + 40, "EndOfFile"),
  fileAttributes: r.u32(at + 48, "FileAttributes")
})
