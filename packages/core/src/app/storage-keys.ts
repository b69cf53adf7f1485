/**
 * Key layout of leadcall's state within a tenant namespace. One module, so that every driver sees
 * the same keys and a migration has one place to look.
 */
export const keys = {
  agent: (id: string) => `agent:${id}`,
  agentPrefix: 'agent:',
  agentActivityStream: 'agent-activity',
  /** The distribution engine's runtime state of an agent (load, reservations, counters). */
  agentState: (id: string) => `agent-state:${id}`,
  agentStatePrefix: 'agent-state:',
  /** A strategy's persisted global state for a pool (`*` for all agents). */
  strategyState: (strategy: string, pool: string | undefined) => `dist:${strategy}:${pool ?? '*'}`,
  strategyStatePrefix: 'dist:',
  /** The tenant's random tie-break salt, drawn once so every process orders ties alike. */
  tieBreakSalt: 'tie-break-salt',
  /** A parallel offer: which reservations compete and which one won. */
  offerGroup: (id: string) => `offer-group:${id}`,
  /** The last agent of a returning lead, by phone, email or source id. */
  ownerByPhone: (phone: string) => `owner:p:${phone}`,
  ownerByEmail: (email: string) => `owner:e:${email}`,
  ownerBySourceId: (source: string, externalId: string) => `owner:x:${source}:${externalId}`,
} as const
