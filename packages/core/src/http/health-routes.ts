/**
 * `GET /health`: is the storage reachable and fast, is a telephony provider configured, and how
 * each provider of a failover set is doing (its circuit breaker).
 *
 * @module
 */
import type { LeadCallApp } from '../app/create-lead-call.js'
import type { TelephonyProviderHealth } from '../telephony/telephony-provider.js'
import { jsonResponse } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'

/** A storage round trip slower than this reports `degraded`. */
export const HEALTH_DEGRADED_MS = 1_000
/** A storage round trip slower than this (or failing) reports `down`. */
export const HEALTH_TIMEOUT_MS = 5_000
/** The key read to time the storage (it need not exist). */
const PROBE_KEY = 'http:health-probe'

/** How a dependency is doing. */
export type HealthStatus = 'ok' | 'degraded' | 'down'

/** The body of `GET /health`. */
export interface HealthReport {
  /**
   * The overall status: the storage's, except that an `ok` storage reports `degraded` while a
   * telephony provider's circuit is not closed. 200 unless `down` (503), which only the storage
   * decides: leads are still taken and queued while providers fail.
   */
  status: HealthStatus
  /** The storage: its driver, status and the probe's round trip. */
  storage: { driver: string; status: HealthStatus; latencyMs: number }
  /**
   * The telephony provider: its name and `configured`, or `none` without one (a provider health
   * probe will report `ok`/`degraded`/`down` once the provider specification has one).
   */
  telephony: { provider: string | null; status: 'configured' | 'none' }
  /**
   * Each telephony provider's health as the provider reports it (`health()`): for a failover set
   * (`failoverTelephony`), every member's name, circuit state (`closed`, `open`, `half-open`),
   * failures in a row, last error code and time. Empty when the provider reports none.
   */
  providers: TelephonyProviderHealth[]
  /** When the report was made (ISO 8601). */
  at: string
}

/** Times one small storage read, bounded by {@link HEALTH_TIMEOUT_MS}. */
async function probeStorage(app: LeadCallApp): Promise<HealthReport['storage']> {
  const driver = app.storage.name
  const started = performance.now()
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`))
    }, HEALTH_TIMEOUT_MS)
  })
  try {
    await Promise.race([app.storage.get(app.tenant, PROBE_KEY, { signal: controller.signal }), timeout])
    const latencyMs = Math.round((performance.now() - started) * 100) / 100
    return { driver, status: latencyMs > HEALTH_DEGRADED_MS ? 'degraded' : 'ok', latencyMs }
  } catch (error) {
    // The reason goes to the log only: this route is open and error messages may name hosts.
    app.logger.warn({ err: error }, 'health check: storage is down')
    return { driver, status: 'down', latencyMs: Math.round((performance.now() - started) * 100) / 100 }
  } finally {
    clearTimeout(timer)
  }
}

/** The providers' health, `[]` when the provider reports none (or its report fails). */
function providersOf(app: LeadCallApp): TelephonyProviderHealth[] {
  try {
    return app.config.telephony?.health?.() ?? []
  } catch (error) {
    app.logger.warn({ err: error }, 'health check: the telephony provider could not report its health')
    return []
  }
}

/** `GET /health`: 200 while the storage answers, 503 when it is down. */
async function getHealth({ app }: RouteContext): Promise<Response> {
  const storage = await probeStorage(app)
  const telephony = app.config.telephony
  const provider = telephony?.name ?? null
  const providers = providersOf(app)
  const tripped = providers.some((health) => health.state !== 'closed')
  const report: HealthReport = {
    status: storage.status === 'ok' && tripped ? 'degraded' : storage.status,
    storage,
    telephony: { provider, status: provider === null ? 'none' : 'configured' },
    providers,
    at: new Date().toISOString(),
  }
  return jsonResponse(report, storage.status === 'down' ? 503 : 200)
}

/** The health route (open, like the intake routes: it shows no data). */
export const healthRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', management: false, handle: getHealth },
]
