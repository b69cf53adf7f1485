import { randomUUID } from 'node:crypto'

const PREFIX = 'rsv.'

/** The part of an agent's reservation ids that names the agent; compute once per agent. */
export function reservationPrefix(agentId: string): string {
  return `${PREFIX}${Buffer.from(agentId, 'utf8').toString('base64url')}.`
}

/**
 * A new reservation id for the agent whose {@link reservationPrefix} is given. It carries the
 * agent's id (base64url), so that `accept`, `reject` and `complete` find the agent's state in one
 * read, in any process.
 */
export function newReservationId(prefix: string): string {
  return `${prefix}${randomUUID()}`
}

/** The agent id inside a reservation id, or `undefined` when the id is not one of ours. */
export function decodeReservationId(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith(PREFIX) || id.length > 1024) return undefined
  const dot = id.indexOf('.', PREFIX.length)
  if (dot <= PREFIX.length) return undefined
  const encoded = id.slice(PREFIX.length, dot)
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined
  const agentId = Buffer.from(encoded, 'base64url').toString('utf8')
  return agentId.length > 0 ? agentId : undefined
}

/** A new offer-group id. */
export function newGroupId(): string {
  return `grp.${randomUUID().replaceAll('-', '')}`
}

/** A new id for an engine instance, named in the reservations it makes. */
export function newInstanceId(): string {
  return randomUUID().slice(0, 13)
}
