/**
 * The `hosts` option's lookup (ConnectionOptions.hosts): a host name mapped to an address before
 * DNS, for the TCP transport and the KDC transport alike. Names compare case-insensitively, as
 * DNS names do: a DFS referral may name "DC1" where the map says "dc1".
 *
 * @since 0.1.0
 * @internal
 */

/**
 * The address `hosts` maps `name` to; undefined when it maps none.
 *
 * @since 0.1.0
 * @internal
 */
export const hostAddress = (hosts: Readonly<Record<string, string>> | undefined, name: string): string | undefined => {
  if (hosts === undefined) return undefined
  const exact = hosts[name]
  if (exact !== undefined) return exact
  const lower = name.toLowerCase()
  for (const [key, address] of Object.entries(hosts)) if (key.toLowerCase() === lower) return address
  return undefined
}

/**
 * The names `hosts` maps to `address` (a KDC given as an address, whose host name Kerberos needs).
 *
 * @since 0.1.0
 * @internal
 */
export const namesOf = (hosts: Readonly<Record<string, string>> | undefined, address: string): Array<string> =>
  Object.entries(hosts ?? {}).filter(([, mapped]) => mapped === address).map(([name]) => name)
