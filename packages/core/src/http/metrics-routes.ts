/**
 * `GET /metrics`: Prometheus text exposition through `prom-client`, an optional peer dependency
 * loaded on the first scrape.
 *
 * Counting starts when the handler is created, without `prom-client`: app events and requests bump
 * plain counters (cheap, no label explosion: sources and methods are never labels as received).
 * A scrape copies them into metrics of a registry of the handler's own (never prom-client's global
 * one, so two handlers or a host's own metrics never collide) and reads `app.tracking.stats()` for
 * the gauges.
 *
 * @module
 */
import type { LeadCallApp } from '../app/create-lead-call.js'
import { notImplementedResponse } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'

type PromClient = typeof import('prom-client')
type Counter = InstanceType<PromClient['Counter']>
type Gauge = InstanceType<PromClient['Gauge']>

/** Collects the figures `GET /metrics` exposes; made by {@link createHttpMetrics}. */
export interface HttpMetrics {
  /** Counts one answered request by route pattern, method and status. */
  countRequest(route: string, method: string, status: number): void
  /** The exposition text and its content type, or `null` when `prom-client` cannot be loaded. */
  render(): Promise<{ body: string; contentType: string } | null>
}

/** Methods kept as a label; any other is counted as `OTHER`. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])

/** Counts by a label value. */
class Tally {
  readonly counts = new Map<string, number>()
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }
}

/** Loads `prom-client`, or gives `null` when it is not installed. */
async function loadPromClient(): Promise<PromClient | null> {
  try {
    const module = (await import('prom-client')) as PromClient & { default?: PromClient }
    return typeof module.Registry === 'function' ? module : (module.default ?? null)
  } catch {
    return null
  }
}

/** The registry and metrics of one handler, made on the first scrape. */
interface Instruments {
  registry: InstanceType<PromClient['Registry']>
  requests: Counter
  received: Counter
  queued: Counter
  started: Counter
  completed: Counter
  failed: Counter
  gauges: Record<'queue' | 'available' | 'agents' | 'open' | 'today' | 'ok' | 'ko' | 'rate' | 'up', Gauge>
}

function instrument(client: PromClient): Instruments {
  const registry = new client.Registry()
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new client.Counter({ name, help, labelNames, registers: [registry] })
  const gauge = (name: string, help: string) => new client.Gauge({ name, help, registers: [registry] })
  return {
    registry,
    requests: counter('leadcall_http_requests_total', 'HTTP requests answered, by route, method and status', [
      'route',
      'method',
      'status',
    ]),
    received: counter('leadcall_leads_received_total', 'Leads received (lead.received)'),
    queued: counter('leadcall_leads_queued_total', 'Leads queued, by reason (lead.queued)', ['reason']),
    started: counter('leadcall_calls_started_total', 'Calls started, by provider (call.started)', [
      'provider',
    ]),
    completed: counter('leadcall_calls_completed_total', 'Lead processes ended with a call (lead.completed)'),
    failed: counter('leadcall_calls_failed_total', 'Lead processes failed, by error code (lead.failed)', [
      'code',
    ]),
    gauges: {
      queue: gauge('leadcall_queue_length', 'Leads waiting in the queue'),
      available: gauge('leadcall_agents_available', 'Agents available now'),
      agents: gauge('leadcall_agents_total', 'Agents registered'),
      open: gauge('leadcall_open_processes', 'Lead processes not yet ended'),
      today: gauge('leadcall_processes_today', 'Lead processes received today'),
      ok: gauge('leadcall_successful_calls_today', 'Successful calls today'),
      ko: gauge('leadcall_failed_calls_today', 'Failed calls today'),
      rate: gauge('leadcall_success_rate_today', "Today's success rate (0-1), when a call ended"),
      up: gauge('leadcall_stats_up', '1 when tracking.stats() answered for this scrape, else 0'),
    },
  }
}

/** Replaces a counter's values with the tallies (unlabelled counters take `total`). */
function copy(counter: Counter, label: string | null, tally: Tally | number): void {
  counter.reset()
  if (typeof tally === 'number') counter.inc(tally)
  else for (const [value, n] of tally.counts) counter.inc({ [label ?? 'label']: value }, n)
}

/**
 * Starts counting app events (leads received and queued, calls started, completed and failed) and
 * requests for `GET /metrics`.
 */
export function createHttpMetrics(app: LeadCallApp): HttpMetrics {
  let received = 0
  let completed = 0
  const queued = new Tally()
  const started = new Tally()
  const failed = new Tally()
  const requests = new Map<string, { route: string; method: string; status: string; n: number }>()
  app.on('lead.received', () => {
    received++
  })
  app.on('lead.queued', (event) => queued.add(event.reason))
  app.on('call.started', (event) => started.add(event.provider))
  app.on('lead.completed', () => {
    completed++
  })
  app.on('lead.failed', (event) => failed.add(event.code))

  let client: Promise<PromClient | null> | undefined
  let instruments: Instruments | undefined

  return {
    countRequest(route, method, status) {
      const m = METHODS.has(method) ? method : 'OTHER'
      const key = `${route} ${m} ${status}`
      const entry = requests.get(key)
      if (entry) entry.n++
      else requests.set(key, { route, method: m, status: String(status), n: 1 })
    },
    async render() {
      client ??= loadPromClient()
      const prom = await client
      if (prom === null) return null
      instruments ??= instrument(prom)
      const { registry, gauges } = instruments
      let stats: Awaited<ReturnType<LeadCallApp['tracking']['stats']>> | undefined
      try {
        stats = await app.tracking.stats()
      } catch (error) {
        app.logger.warn({ err: error }, 'metrics: tracking.stats() failed')
      }
      instruments.requests.reset()
      for (const { route, method, status, n } of requests.values())
        instruments.requests.inc({ route, method, status }, n)
      copy(instruments.received, null, received)
      copy(instruments.queued, 'reason', queued)
      copy(instruments.started, 'provider', started)
      copy(instruments.completed, null, completed)
      copy(instruments.failed, 'code', failed)
      gauges.up.set(stats ? 1 : 0)
      if (stats) {
        gauges.queue.set(stats.queueLength)
        gauges.available.set(stats.agentsAvailable)
        gauges.agents.set(stats.agentsTotal)
        gauges.open.set(stats.openProcesses)
        gauges.today.set(stats.today.totalProcesses)
        gauges.ok.set(stats.today.successfulCalls)
        gauges.ko.set(stats.today.failedCalls)
        gauges.rate.set(stats.today.successRate ?? Number.NaN)
      }
      return { body: await registry.metrics(), contentType: registry.contentType }
    },
  }
}

/** `GET /metrics`: the exposition, or 501 when `prom-client` is not installed. */
async function getMetrics({ metrics }: RouteContext): Promise<Response> {
  // The route exists only with metrics on; this guards a handler built otherwise.
  if (!metrics) return notImplementedResponse('Metrics are turned off (metrics: false)')
  const rendered = await metrics.render()
  if (rendered === null) {
    return notImplementedResponse(
      'GET /metrics needs the optional peer dependency prom-client: install it (npm install prom-client)',
    )
  }
  return new Response(rendered.body, {
    status: 200,
    headers: { 'content-type': rendered.contentType, 'cache-control': 'no-store' },
  })
}

/** The metrics route (management). */
export const metricsRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/metrics', management: true, handle: getMetrics },
]
