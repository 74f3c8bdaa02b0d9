/**
 * The tampering proxy for the security tests: a loopback man in the middle (Proxy.ts), the
 * direct-TCP framing it parses (framing.ts) and the SMB2 rewrites an attacker without keys can do
 * (smb2.ts). `scopedProxy` ties a proxy's life to an Effect Scope.
 */
import * as Effect from "effect/Effect"
import type { ProxyOptions, TamperProxy } from "./Proxy.js"
import { startProxy } from "./Proxy.js"

export * from "./framing.js"
export * from "./Proxy.js"
export * as Smb2 from "./smb2.js"

/** A proxy that closes with the Scope. */
export const scopedProxy = (options: ProxyOptions) =>
  Effect.acquireRelease(Effect.promise((): Promise<TamperProxy> => startProxy(options)), (proxy) => Effect.promise(() => proxy.close()))
