/**
 * The smb.conf of a private, loopback-only test smbd, and the variants the tests run against.
 * Everything smbd keeps (passdb, locks, pid files, sockets, logs, the shares) lives in one working
 * directory, so several servers can run side by side without touching /etc/samba. Measured with
 * Samba 4.17: `interfaces = 127.0.0.1` (not `lo`, which also binds ::1), SMB1 refused by the
 * protocol floor, no printing, nmbd and winbindd never needed.
 */

/**
 * `default`: signing offered, not required; no encryption. `signing`: signing required.
 * `encrypt`: every session must encrypt (an SMB 2.x dialect is refused at session setup).
 * `share-encrypt`: adds `[encshare]` that requires encryption; `[share]` stays plain.
 */
export type SambaVariant = "default" | "signing" | "encrypt" | "share-encrypt"

export const SAMBA_VARIANTS: ReadonlyArray<SambaVariant> = ["default", "signing", "encrypt", "share-encrypt"]

export type SambaProtocol = "NT1" | "SMB2_02" | "SMB2_10" | "SMB3_00" | "SMB3_02" | "SMB3_11"

export const SHARE = "share"
export const ENC_SHARE = "encshare"

export interface SmbConfOptions {
  readonly workdir: string
  readonly port: number
  readonly variant: SambaVariant
  readonly user: string
  readonly minProtocol: SambaProtocol
  readonly maxProtocol: SambaProtocol
  readonly logLevel: number
  /** Appended to [global] after the variant's lines, so they win. */
  readonly extraGlobal: ReadonlyArray<string>
  /** The address to bind; default 127.0.0.1. */
  readonly address?: string
  /** More shares, each a directory named after it in the working directory. */
  readonly extraShares?: ReadonlyArray<{ readonly name: string; readonly lines?: ReadonlyArray<string> }>
}

const variantGlobal = (variant: SambaVariant): ReadonlyArray<string> => {
  switch (variant) {
    case "signing":
      return ["server signing = mandatory"]
    case "encrypt":
      return ["server smb encrypt = required"]
    case "default":
    case "share-encrypt":
      return []
  }
}

const shareSection = (name: string, path: string, user: string, extra: ReadonlyArray<string>): string =>
  [`[${name}]`, `path = ${path}`, "read only = no", "browseable = yes", "guest ok = no", `valid users = ${user}`, ...extra]
    .map((line, i) => (i === 0 ? line : `\t${line}`))
    .join("\n")

export const renderSmbConf = (o: SmbConfOptions): string => {
  const w = o.workdir
  const globalLines = [...variantGlobal(o.variant), ...o.extraGlobal].map((line) => `\t${line}`).join("\n")
  const shares = [shareSection(SHARE, `${w}/${SHARE}`, o.user, [])]
  if (o.variant === "share-encrypt") {
    shares.push(shareSection(ENC_SHARE, `${w}/${ENC_SHARE}`, o.user, ["smb encrypt = required"]))
  }
  for (const extra of o.extraShares ?? []) shares.push(shareSection(extra.name, `${w}/${extra.name}`, o.user, extra.lines ?? []))
  return `# Private smb.conf for a throw-away test smbd (effect-smb test harness).
# Never install this as /etc/samba/smb.conf.
[global]
	server role = standalone server
	workgroup = WORKGROUP
	netbios name = SAMBATEST
	server string = smb test server

	# --- network: loopback only, one TCP port, no NetBIOS ---
	smb ports = ${o.port}
	interfaces = ${o.address ?? "127.0.0.1"}
	bind interfaces only = yes
	disable netbios = yes

	# --- protocol range ---
	server min protocol = ${o.minProtocol}
	server max protocol = ${o.maxProtocol}

	# --- all state lives inside the working directory ---
	private dir = ${w}/private
	lock directory = ${w}/lock
	state directory = ${w}/state
	cache directory = ${w}/cache
	pid directory = ${w}/run
	ncalrpc dir = ${w}/run/ncalrpc
	winbindd socket directory = ${w}/run/winbindd
	ntp signd socket directory = ${w}/run/ntp_signd
	binddns dir = ${w}/bind-dns
	usershare path = ${w}/usershares
	usershare max shares = 0
	log file = ${w}/log/log.%m
	max log size = 0
	log level = ${o.logLevel}

	# --- authentication: private tdbsam passdb, no guests ---
	passdb backend = tdbsam:${w}/private/passdb.tdb
	map to guest = never
	obey pam restrictions = no
	unix password sync = no
	pam password change = no

	# --- no printing ---
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes

	# --- alternate data streams (file:stream), kept in user xattrs; a caller's
	# extraGlobal may replace the list (e.g. to add acl_xattr) ---
	vfs objects = streams_xattr

	# --- variant and caller options ---
${globalLines}

${shares.join("\n\n")}
`
}
