/**
 * Agent presence from ARI endpoints: `GET /endpoints` and `EndpointStateChange` events.
 *
 * @module
 */
import type { AgentPresenceReport } from '@leadcall/core/provider'
import type { EndpointTemplate } from './ari-endpoint-template.js'
import type { AriEndpoint } from './ari-schemas.js'

/**
 * The leadcall presence of an ARI endpoint: `online` with no channel is `available`, `online` with
 * channels (`channel_ids` non-empty: ringing or on a call) is `on_call`, `offline` is `offline`,
 * and `unknown` or a missing state is `offline` too (leadcall does not send calls to a phone whose
 * state Asterisk does not know).
 *
 * @example
 * ```ts
 * endpointPresence({ technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] }) // 'available'
 * ```
 */
export function endpointPresence(endpoint: AriEndpoint): AgentPresenceReport['status'] {
  if (endpoint.state !== 'online') return 'offline'
  return (endpoint.channel_ids?.length ?? 0) > 0 ? 'on_call' : 'available'
}

/**
 * The presence reports of one endpoint: one under its full name (`PJSIP/1001`) and, when the
 * agent template reads it back (`PJSIP/{ext}` → `1001`), one under that reference too, so that
 * `agent.providerRefs.asterisk` may hold either. @internal
 */
export function endpointReports(
  endpoint: AriEndpoint,
  agentTemplate: EndpointTemplate,
): AgentPresenceReport[] {
  const status = endpointPresence(endpoint)
  const name = `${endpoint.technology}/${endpoint.resource}`
  const reports: AgentPresenceReport[] = [{ providerAgentId: name, status }]
  const ext = agentTemplate.match(name)?.ext
  if (ext !== undefined && ext !== name) reports.push({ providerAgentId: ext, status })
  return reports
}
