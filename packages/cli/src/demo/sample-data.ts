import type { AgentInput } from '@leadcall/core'

/** Five agents of a small sales floor; Dana is on a break, so she is not offered leads. */
export const sampleAgents: AgentInput[] = [
  { id: 'alice', name: 'Alice Martin', status: 'available', skills: { english: 5, sales: 4 } },
  { id: 'bruno', name: 'Bruno Rossi', status: 'available', skills: { italian: 5, english: 3 } },
  { id: 'carmen', name: 'Carmen López', status: 'available', skills: { spanish: 5, english: 4 } },
  { id: 'dana', name: 'Dana Smith', status: 'break' },
  { id: 'emeka', name: 'Emeka Obi', status: 'available', skills: { english: 5 } },
]

/** Leads as they arrive: generic JSON, GoHighLevel payloads, messy phone formats, one unusable. */
export const sampleLeads: unknown[] = [
  { name: 'John  Carter', phone: '(415) 555-2671', email: ' John.Carter@Example.com ', priority: 'high' },
  {
    type: 'ContactCreate',
    locationId: 've9EPM428h8vShlRW1KT',
    id: 'nmFmQEsNgz6AVpgLVUJ0',
    firstName: 'Maria',
    lastName: 'García',
    email: 'maria@example.es',
    phone: '+34 612 34 56 78',
    source: 'Facebook Lead Ad',
    tags: ['sofa', 'madrid'],
    dateAdded: '2026-11-21T09:12:00.000Z',
  },
  {
    contact_id: 'xK3f0Yc8',
    first_name: 'Luca',
    last_name: 'Bianchi',
    full_name: 'Luca Bianchi',
    phone: '347 123 4567',
    country: 'IT',
    tags: 'kitchen,urgent',
    contact_source: 'website form',
  },
  { firstName: 'Oliver', lastName: 'Wright', phone: '020 7946 0958', country: 'GB', priority: 'urgent' },
  { name: 'Yuki Tanaka', phone: '0044 7911 123456', company: 'Tanaka Trading' },
  { name: 'Ann Lee', phone: '212.555.0187', tags: 'newsletter' },
  { name: 'No Phone Person', email: 'nobody@example.com' },
  { name: 'Typo Number', phone: '555-12' },
  { name: 'Grace Hopper', phone: '+1 650 253 0000', priority: 'low' },
  { name: 'Pietro Conti', phone: '+39 06 1234 5678' },
]

/**
 * The demo's agents: the first `count` of {@link sampleAgents}, then generated ones (`agent-6`,
 * `Agent 6`, …, available) when more are asked for.
 */
export function demoAgents(count: number = sampleAgents.length): AgentInput[] {
  const agents = sampleAgents.slice(0, count)
  for (let i = agents.length; i < count; i++) {
    agents.push({ id: `agent-${i + 1}`, name: `Agent ${i + 1}`, status: 'available' })
  }
  return agents
}
