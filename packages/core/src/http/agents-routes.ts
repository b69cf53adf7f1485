/**
 * Agents: `GET /agents` and `PUT /agents/:id/status`.
 *
 * @module
 */
import { z } from 'zod'
import { AgentStatusSchema } from '../domain/agent.js'
import { readJson } from './body.js'
import { jsonResponse } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'
import { parseInput, queryOf } from './query.js'

const ListQuery = z.object({
  /** One status or several, comma-separated. */
  status: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(AgentStatusSchema))
    .optional(),
  pool: z.string().min(1).optional(),
})

const StatusBody = z.object({
  status: AgentStatusSchema,
  /** Why, recorded in the agent's activity log. */
  reason: z.string().max(500).optional(),
})

/** `GET /agents?status=available,busy&pool=sales`: `{ agents }`, ordered by id. */
async function listAgents({ app, url, request }: RouteContext): Promise<Response> {
  const query = parseInput(ListQuery, queryOf(url), 'query')
  const agents = await app.agents.list({
    ...(query.status ? { status: query.status } : {}),
    ...(query.pool ? { pool: query.pool } : {}),
    signal: request.signal,
  })
  return jsonResponse({ agents })
}

/** `PUT /agents/:id/status` with `{ status, reason? }`: `{ agent }`; 404 for an unknown agent. */
async function setAgentStatus({ app, options, request, params }: RouteContext): Promise<Response> {
  const { value } = await readJson(request, options.maxBodyBytes)
  const body = parseInput(StatusBody, value, 'status change')
  const agent = await app.agents.setStatus(params.id ?? '', body.status, {
    source: 'api',
    ...(body.reason !== undefined ? { reason: body.reason } : {}),
  })
  return jsonResponse({ agent })
}

/** The agent routes (management). */
export const agentsRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/agents', management: true, handle: listAgents },
  { method: 'PUT', path: '/agents/:id/status', management: true, handle: setAgentStatus },
]
