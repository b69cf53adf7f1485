/**
 * `GET /events`: the app's events as Server-Sent Events, for the live dashboard and any other
 * client (`new EventSource('<base>/events')`).
 *
 * Each app event is one SSE message, `event: <name>` and `data: <payload as JSON>`, sent in the
 * order the app emitted them. When the app masks PII (`privacy.maskPii`, the default), phone
 * numbers and e-mail addresses in the payloads' free text are masked the way process records mask
 * them; ids are left as they are. `listener.error` is never streamed (its payload is an arbitrary
 * error). A comment line is sent every {@link EVENTS_HEARTBEAT_MS} so that proxies keep the
 * connection open.
 *
 * Every connection buffers at most {@link EVENTS_MAX_BUFFERED_BYTES}: a client that stops reading
 * is disconnected (an `EventSource` reconnects by itself and the dashboard reloads its figures),
 * never buffered without bound. The listeners of a connection are removed as soon as the client
 * goes away (the request's signal aborts or the body is cancelled).
 *
 * @module
 */
import type { LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallEventMap, LeadCallEventName } from '../events/event-map.js'
import { scrubPii } from '../tracking/record-builder.js'
import type { HttpRoute, RouteContext } from './http-options.js'

/** How often a heartbeat comment is sent on an idle or busy stream, in ms. */
export const EVENTS_HEARTBEAT_MS = 15_000
/** The most bytes one connection may have waiting for its client before it is closed. */
export const EVENTS_MAX_BUFFERED_BYTES = 256 * 1024
/** What an `EventSource` waits before reconnecting, in ms (sent as the stream's `retry`). */
export const EVENTS_RETRY_MS = 3_000

/** The events streamed: every event of the app but `listener.error`. */
export const STREAMED_EVENTS = [
  'lead.received',
  'lead.queued',
  'agent.assigned',
  'reservation.accepted',
  'reservation.rejected',
  'reservation.timed_out',
  'reservation.withdrawn',
  'reservation.completed',
  'call.started',
  'call.status',
  'lead.completed',
  'lead.failed',
  'agent.status',
  'agent.upserted',
  'agent.removed',
  'import.progress',
  'conversation.message',
  'conversation.lead',
] as const satisfies readonly LeadCallEventName[]

/** An event added to the event map must be streamed or left out here on purpose. */
type Unlisted = Exclude<LeadCallEventName, (typeof STREAMED_EVENTS)[number] | 'listener.error'>
const everyEventDecided: [Unlisted] extends [never] ? true : never = true
void everyEventDecided

/** Payload fields holding ids, never masked (an agent id may well be an e-mail address). */
const ID_FIELDS = new Set(['processId', 'leadId', 'agentId', 'reservationId', 'callId', 'importId', 'group'])

/** Masks the phones and e-mails in every string of `value` but the id fields. */
function maskValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && ID_FIELDS.has(key) ? value : scrubPii(value)
  if (Array.isArray(value)) return value.map((item) => maskValue(item, undefined))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, k)
    return out
  }
  return value
}

/** One SSE message of an event: its name and its payload as JSON, masked when `mask` is true. */
export function formatEvent<K extends LeadCallEventName>(
  name: K,
  payload: LeadCallEventMap[K],
  mask: boolean,
): string {
  const data = JSON.stringify(mask ? maskValue(payload, undefined) : payload)
  return `event: ${name}\ndata: ${data}\n\n`
}

/** Options of {@link eventStream}, for tests: the limits of one connection. */
export interface EventStreamLimits {
  /** See {@link EVENTS_HEARTBEAT_MS}. */
  heartbeatMs: number
  /** See {@link EVENTS_MAX_BUFFERED_BYTES}. */
  maxBufferedBytes: number
}

const DEFAULT_LIMITS: EventStreamLimits = {
  heartbeatMs: EVENTS_HEARTBEAT_MS,
  maxBufferedBytes: EVENTS_MAX_BUFFERED_BYTES,
}

/**
 * The SSE body of one connection: subscribes to the app's events, and unsubscribes when `signal`
 * aborts, the stream is cancelled, or the client falls more than `maxBufferedBytes` behind (the
 * stream then errors, which ends the response).
 */
export function eventStream(
  app: LeadCallApp,
  signal: AbortSignal,
  limits: EventStreamLimits = DEFAULT_LIMITS,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const mask = app.config.privacy.maskPii
  /** What undoes the connection's subscriptions, its timer and its abort listener. */
  const cleanups: (() => void)[] = []
  let ended = false
  const stop = (): void => {
    if (ended) return
    ended = true
    for (const cleanup of cleanups.splice(0)) cleanup()
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        /** Queues `text`, or ends the connection when the client is too far behind. */
        const send = (text: string): void => {
          if (ended) return
          const chunk = encoder.encode(text)
          if ((controller.desiredSize ?? 0) < chunk.byteLength) {
            stop()
            app.logger.warn(
              { maxBufferedBytes: limits.maxBufferedBytes },
              'GET /events: the client is not reading, closing its connection',
            )
            controller.error(new Error('event stream client too slow'))
            return
          }
          controller.enqueue(chunk)
        }
        const onAbort = (): void => {
          stop()
          try {
            controller.close()
          } catch {
            // already closed or errored
          }
        }
        if (signal.aborted) {
          onAbort()
          return
        }
        signal.addEventListener('abort', onAbort, { once: true })
        cleanups.push(() => signal.removeEventListener('abort', onAbort))
        send(`retry: ${EVENTS_RETRY_MS}\n: connected\n\n`)
        for (const name of STREAMED_EVENTS) {
          cleanups.push(app.on(name, (payload) => send(formatEvent(name, payload, mask))))
        }
        const heartbeat = setInterval(() => send(': heartbeat\n\n'), limits.heartbeatMs)
        if (typeof heartbeat === 'object' && typeof heartbeat.unref === 'function') heartbeat.unref()
        cleanups.push(() => clearInterval(heartbeat))
      },
      cancel() {
        stop()
      },
    },
    { highWaterMark: limits.maxBufferedBytes, size: (chunk) => chunk.byteLength },
  )
}

/** `GET /events`: the event stream of this connection. */
async function getEvents({ app, request }: RouteContext): Promise<Response> {
  return new Response(eventStream(app, request.signal), {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    },
  })
}

/** The event stream route (management). */
export const eventsRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/events', management: true, handle: getEvents },
]
