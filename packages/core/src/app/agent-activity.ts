import type { AgentStatus } from '../domain/agent.js'
import type { StatusSource } from '../events/event-map.js'

/** What an agent did, derived from a status change. */
export type AgentActivityKind = 'login' | 'logout' | 'on_call' | 'wrap_up' | 'break' | 'idle'

/** One entry of an agent's activity log. */
export interface AgentActivity {
  agentId: string
  activity: AgentActivityKind
  from: AgentStatus | null
  to: AgentStatus
  source: StatusSource
  reason?: string
  /** ISO 8601. */
  at: string
}

/** The activity a status change stands for. */
export function activityOf(from: AgentStatus | null, to: AgentStatus): AgentActivityKind {
  switch (to) {
    case 'offline':
      return 'logout'
    case 'busy':
      return 'on_call'
    case 'wrap_up':
      return 'wrap_up'
    case 'break':
      return 'break'
    case 'available':
      return from === null || from === 'offline' ? 'login' : 'idle'
  }
}
