/**
 * The lead queue: `GET /queue` and `DELETE /queue/:processId`.
 *
 * @module
 */
import { z } from 'zod'
import { jsonResponse, notFound } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'
import { limitParam, parseInput, queryOf } from './query.js'

const ListQuery = z.object({
  limit: limitParam(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
})

/** `GET /queue?limit&offset`: `{ length, items }`, items in dispatch order. */
async function listQueue({ app, url, request }: RouteContext): Promise<Response> {
  const { limit, offset } = parseInput(ListQuery, queryOf(url), 'query')
  const signal = request.signal
  const [items, length] = await Promise.all([
    app.queue.list({ limit, offset, signal }),
    app.queue.size({ signal }),
  ])
  return jsonResponse({ length, items })
}

/** `DELETE /queue/:processId`: removes a waiting lead (its process fails); 404 when it is not queued. */
async function removeQueued({ app, params }: RouteContext): Promise<Response> {
  const processId = params.processId ?? ''
  if (!(await app.queue.remove(processId))) throw notFound(`No queued lead with process id ${processId}`)
  return jsonResponse({ removed: true, processId })
}

/** The queue routes (management). */
export const queueRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/queue', management: true, handle: listQueue },
  { method: 'DELETE', path: '/queue/:processId', management: true, handle: removeQueued },
]
