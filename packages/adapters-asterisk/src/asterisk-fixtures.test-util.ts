/** Fixtures shared by the adapter's tests: an agent, a lead, dial requests, waiting helpers. */
import {
  type Agent,
  AgentSchema,
  type CallEvent,
  type CallSession,
  createCallSession,
  type DialRequest,
  type Lead,
  LeadSchema,
  transitionCallSession,
} from '@leadcall/core'

export const USERNAME = 'leadcall'
export const PASSWORD = 'ari-pw-9d41c7aa2b'
export const TIME = '2026-01-15T15:00:00.000Z'

export function agent(extra: Record<string, unknown> = {}): Agent {
  return AgentSchema.parse({
    id: 'alice',
    name: 'Alice',
    phone: '+14155550100',
    status: 'available',
    providerRefs: { asterisk: '1001' },
    createdAt: TIME,
    updatedAt: TIME,
    statusChangedAt: TIME,
    ...extra,
  })
}

export const lead: Lead = LeadSchema.parse({
  id: 'lead-1',
  phone: '+14155550199',
  fullName: 'John Carter',
  firstName: 'John',
  lastName: 'Carter',
  receivedAt: TIME,
})

let attempts = 0

/** A dial request with a fresh attempt id (`att-<n>`), 25 s to ring. */
export function dial(extra: Partial<DialRequest> = {}): DialRequest {
  attempts++
  return {
    attemptId: `att-${attempts}`,
    processId: `proc-${attempts}`,
    agent: agent(),
    lead,
    timeoutMs: 25_000,
    ...extra,
  }
}

/** Waits until `condition` holds, one event-loop turn at a time; vitest's timeout is the only clock. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1))
}

/** `[party, type]` of each event, for compact assertions. */
export function steps(events: readonly CallEvent[]): Array<[string | undefined, string]> {
  return events.map((event) => [event.party, event.type])
}

/** Applies events to a fresh session, as the pipeline does. */
export function replay(
  request: DialRequest,
  providerCallId: string,
  events: readonly CallEvent[],
): CallSession {
  let session: CallSession = {
    ...createCallSession({
      id: 'call-1',
      processId: request.processId,
      leadId: request.lead.id,
      agentId: request.agent.id,
      provider: 'asterisk',
      attemptId: request.attemptId,
      mode: 'agent_first',
      at: '2000-01-01T00:00:00.000Z',
    }),
    providerCallId,
  }
  for (const event of events) session = transitionCallSession(session, event).session
  return session
}
