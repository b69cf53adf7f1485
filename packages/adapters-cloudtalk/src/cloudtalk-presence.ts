/**
 * Agents' presence from `GET /agents/index.json`, mapped to leadcall's presence statuses
 * ({@link mapCloudTalkPresence}) and cached so that polling it never takes more than its share of
 * CloudTalk's 60 requests a minute.
 *
 * @module
 */
import type { AgentPresenceReport } from '@leadcall/core/provider'
import type { CloudTalkApi } from './cloudtalk-api.js'
import { type CloudTalkAgent, CloudTalkAgentsEnvelopeSchema } from './cloudtalk-envelope.js'
import type { CloudTalkRateLimiter } from './cloudtalk-rate-limiter.js'

/** The agent fields the presence mapping reads. */
export type CloudTalkPresenceAgent = Pick<
  CloudTalkAgent,
  'availability_status' | 'is_daily_limit_ok' | 'status_outbound'
>

/**
 * Maps a CloudTalk agent to leadcall's presence status:
 *
 * | `availability_status` | and                                                   | status      |
 * | --------------------- | ----------------------------------------------------- | ----------- |
 * | `online`              | `status_outbound` and `is_daily_limit_ok` not `false` | `available` |
 * | `online`              | outbound calls not allowed, or daily limit reached    | `away`      |
 * | `calling`             |                                                       | `on_call`   |
 * | `paused`              |                                                       | `away`      |
 * | `offline`             |                                                       | `offline`   |
 * | anything else         |                                                       | `offline`   |
 *
 * An online agent who cannot place calls (CloudTalk would refuse them) is `away`, not
 * `available`, so leads are not offered to them. Matching ignores case and spaces.
 *
 * @example
 * ```ts
 * mapCloudTalkPresence({ availability_status: 'online', is_daily_limit_ok: false }) // 'away'
 * ```
 */
export function mapCloudTalkPresence(agent: CloudTalkPresenceAgent): AgentPresenceReport['status'] {
  const status =
    typeof agent.availability_status === 'string' ? agent.availability_status.trim().toLowerCase() : ''
  switch (status) {
    case 'online':
      return agent.status_outbound === false || agent.is_daily_limit_ok === false ? 'away' : 'available'
    case 'calling':
      return 'on_call'
    case 'paused':
      return 'away'
    default:
      return 'offline'
  }
}

/** The most pages of agents read per poll (1000 agents each). */
const MAX_PAGES = 10

/** Settings of the presence reader. @internal */
export interface PresenceConfig {
  /** The REST client. */
  api: CloudTalkApi
  /** The limiter, to answer from the cache instead of waiting for budget. */
  limiter: CloudTalkRateLimiter
  /** How long a snapshot is served without asking CloudTalk again (ms). */
  cacheMs: number
  /** How old a snapshot may be and still be served when the budget is spent (ms). */
  maxStaleMs: number
}

/** The presence reader. @internal */
export interface Presence {
  /** Every agent's presence: from the cache when fresh, else from CloudTalk. */
  list(signal?: AbortSignal): Promise<AgentPresenceReport[]>
}

/** Creates the presence reader. @internal */
export function createPresence(config: PresenceConfig): Presence {
  let snapshot: { at: number; reports: AgentPresenceReport[] } | undefined

  async function fetchAll(signal?: AbortSignal): Promise<AgentPresenceReport[]> {
    const reports: AgentPresenceReport[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await config.api.request(
        {
          name: 'list agents',
          method: 'get',
          path: '/agents/index.json',
          query: { limit: 1000, page },
          schema: CloudTalkAgentsEnvelopeSchema,
          priority: 'presence',
          kind: 'read',
        },
        signal,
      )
      for (const { Agent } of answer.responseData.data) {
        reports.push({ providerAgentId: Agent.id, status: mapCloudTalkPresence(Agent) })
      }
      const pages = answer.responseData.pageCount ?? 1
      if (page >= pages || answer.responseData.data.length === 0) break
    }
    return reports
  }

  return {
    async list(signal) {
      signal?.throwIfAborted()
      const now = Date.now()
      if (snapshot && now - snapshot.at < config.cacheMs) return snapshot.reports.map((r) => ({ ...r }))
      // The budget is spent (or kept for dials): a recent snapshot beats waiting for the next minute.
      if (snapshot && now - snapshot.at < config.maxStaleMs && !config.limiter.canAcquireNow('presence')) {
        return snapshot.reports.map((r) => ({ ...r }))
      }
      const reports = await fetchAll(signal)
      snapshot = { at: Date.now(), reports }
      return reports.map((r) => ({ ...r }))
    },
  }
}
