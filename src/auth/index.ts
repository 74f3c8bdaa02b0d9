/**
 * SESSION_SETUP authentication: the Authenticator state machines (Kerberos and NTLMv2 inside SPNEGO, guest and
 * anonymous), and the NTLM and SPNEGO codecs under it. MD4 and RC4 (Md4.ts, Rc4.ts), which
 * Node's OpenSSL 3 no longer offers by default, are internal to NTLM and not exported.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Authenticator from "./Authenticator.js"

/** @since 0.1.0 */
export * as Ntlm from "./Ntlm.js"

/** @since 0.1.0 */
export * as Spnego from "./Spnego.js"

/** @since 0.1.0 */
export * as Kerberos from "./kerberos/Kerberos.js"

/** @since 0.1.0 */
export * as KerberosAuthenticator from "./KerberosAuthenticator.js"
