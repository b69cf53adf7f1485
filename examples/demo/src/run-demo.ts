import { createLeadCall, isLeadCallError, maskPhone, memoryStorage } from '@leadcall/core'
import { nextAgentRoundRobin } from './distribute.js'
import { sampleAgents, sampleLeads } from './sample-data.js'

/** One row of the demo's output. */
export interface DemoRow {
  lead: string
  phone: string
  source: string
  priority: string
  agent?: string
  error?: string
}

/** Runs the demo and returns its rows and the count per agent (printed by main.ts, read by tests). */
export async function runDemo(): Promise<{ rows: DemoRow[]; perAgent: Map<string, number> }> {
  const app = createLeadCall({ storage: memoryStorage(), phone: { defaultCountry: 'US' } })
  for (const agent of sampleAgents) await app.agents.upsert(agent)

  const rows: DemoRow[] = []
  const perAgent = new Map<string, number>()
  for (const input of sampleLeads) {
    try {
      const lead = app.normalizeLead(input)
      const agent = await nextAgentRoundRobin(app)
      perAgent.set(agent.name, (perAgent.get(agent.name) ?? 0) + 1)
      rows.push({
        lead: lead.fullName,
        phone: maskPhone(lead.phone),
        source: lead.source,
        priority: lead.priority,
        agent: agent.name,
      })
    } catch (error) {
      if (!isLeadCallError(error)) throw error
      const fields = input as { name?: string; full_name?: string; firstName?: string }
      const name = fields.name ?? fields.full_name ?? fields.firstName ?? '(no name)'
      rows.push({ lead: name, phone: '-', source: '-', priority: '-', error: error.code })
    }
  }
  await app.close()
  return { rows, perAgent }
}
