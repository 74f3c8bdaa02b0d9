/** The `smb` command into `dir`: main.js (the loader), smb.cjs, its code cache and its thread entry. */
export declare const bundleCommand: (dir: string) => Promise<void>
