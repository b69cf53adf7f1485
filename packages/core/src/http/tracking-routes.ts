/**
 * Tracking reads: `GET /stats`, `GET /analytics`, `GET /processes`, `GET /processes/:id` and
 * `GET /export`.
 *
 * @module
 */
import { z } from 'zod'
import { ProcessStatusSchema } from '../domain/process-record.js'
import { jsonResponse, notFound } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'
import { limitParam, parseInput, queryOf, timeParam } from './query.js'

/** The period `GET /analytics` covers without `from`: the last 30 days. */
const DEFAULT_ANALYTICS_SPAN_MS = 30 * 86_400_000

const AnalyticsQuery = z.object({
  from: timeParam.optional(),
  to: timeParam.optional(),
  groupBy: z.enum(['day', 'hour', 'weekday', 'agent']).optional(),
})

const ProcessesQuery = z.object({
  limit: limitParam(1000).default(50),
  status: ProcessStatusSchema.optional(),
  agent: z.string().min(1).max(200).optional(),
})

const ExportQuery = z.object({
  format: z.enum(['csv', 'jsonl']).default('csv'),
  from: timeParam.optional(),
  to: timeParam.optional(),
})

/** What each export format is sent as. */
const EXPORT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
} as const

function nowOf({ app }: RouteContext): number {
  return app.config.now?.() ?? Date.now()
}

/** `GET /stats`: `app.tracking.stats()`. */
async function getStats({ app, request }: RouteContext): Promise<Response> {
  return jsonResponse(await app.tracking.stats({ signal: request.signal }))
}

/** `GET /analytics?from&to&groupBy`: a period (default: the last 30 days) with its series. */
async function getAnalytics(context: RouteContext): Promise<Response> {
  const { app, url, request } = context
  const query = parseInput(AnalyticsQuery, queryOf(url), 'query')
  const to = query.to ?? nowOf(context)
  const from = query.from ?? new Date(to).getTime() - DEFAULT_ANALYTICS_SPAN_MS
  const analytics = await app.tracking.analytics({
    from,
    to,
    ...(query.groupBy ? { groupBy: query.groupBy } : {}),
    signal: request.signal,
  })
  return jsonResponse(analytics)
}

/** `GET /processes?limit&status&agent`: the most recent process records, `{ processes }`. */
async function listProcesses({ app, url, request }: RouteContext): Promise<Response> {
  const query = parseInput(ProcessesQuery, queryOf(url), 'query')
  const processes = await app.tracking.recent({
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.agent ? { agentId: query.agent } : {}),
    signal: request.signal,
  })
  return jsonResponse({ processes })
}

/** `GET /processes/:id`: one process record; 404 when there is none. */
async function getProcess({ app, params, request }: RouteContext): Promise<Response> {
  const id = params.id ?? ''
  const record = await app.tracking.process(id, { signal: request.signal })
  if (!record) throw notFound(`No process with id ${id}`)
  return jsonResponse(record)
}

/** `GET /export?format=csv|jsonl&from&to`: the records of a period, streamed as a download. */
async function exportRecords({ app, url, request }: RouteContext): Promise<Response> {
  const query = parseInput(ExportQuery, queryOf(url), 'query')
  const stream = app.tracking.export({
    format: query.format,
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
    signal: request.signal,
  })
  return new Response(stream.pipeThrough(new TextEncoderStream()), {
    status: 200,
    headers: {
      'content-type': EXPORT_TYPES[query.format],
      'content-disposition': `attachment; filename="leadcall-export.${query.format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })
}

/** The tracking routes (management). */
export const trackingRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/stats', management: true, handle: getStats },
  { method: 'GET', path: '/analytics', management: true, handle: getAnalytics },
  { method: 'GET', path: '/processes', management: true, handle: listProcesses },
  { method: 'GET', path: '/processes/:id', management: true, handle: getProcess },
  { method: 'GET', path: '/export', management: true, handle: exportRecords },
]
