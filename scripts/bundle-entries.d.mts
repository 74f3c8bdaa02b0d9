/**
 * The `smb` command into `dir`: main.js (the loader), smb.cjs, its code cache and its thread entry.
 * `warmup: false` makes the cache after `smb --version` alone, without the warm-up server.
 */
export declare const bundleCommand: (dir: string, options?: { readonly warmup?: boolean }) => Promise<void>
