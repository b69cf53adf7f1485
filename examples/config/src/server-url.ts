import type { AddressInfo } from 'node:net'

/**
 * The URL to reach a server listening at `address`: a wildcard address (`0.0.0.0`, `::`) is
 * reached through the loopback, an IPv6 address in brackets.
 */
export function serverUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string')
    throw new Error('The server is not listening on a port')
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}
