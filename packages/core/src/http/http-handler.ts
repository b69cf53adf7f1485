/**
 * The HTTP handler: {@link createHttpHandler}.
 *
 * @module
 */

import type { LeadCallApp } from '../app/create-lead-call.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { agentsRoutes } from './agents-routes.js'
import { conversationsRoutes } from './conversations-routes.js'
import { dashboardRoutes } from './dashboard-routes.js'
import { eventsRoutes } from './events-routes.js'
import { ghlRoutes } from './ghl-routes.js'
import { toPublicKey } from './ghl-signature.js'
import { healthRoutes } from './health-routes.js'
import { MethodNotAllowedError, notFound, toErrorResponse, unauthorized } from './http-errors.js'
import type { HttpHandlerOptions, HttpRoute, ResolvedHttpOptions } from './http-options.js'
import { resolveLeadIntake } from './lead-intake-auth.js'
import { leadsRoutes } from './leads-routes.js'
import { createHttpMetrics, metricsRoutes } from './metrics-routes.js'
import { queueRoutes } from './queue-routes.js'
import { createRouter } from './router.js'
import { trackingRoutes } from './tracking-routes.js'
import { webhooksRoutes } from './webhooks-routes.js'

/** A Web-standard request handler: what {@link createHttpHandler} returns. */
export type HttpHandler = (request: Request) => Promise<Response>

/** Default of {@link HttpHandlerOptions.maxBodyBytes}: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Default of {@link HttpHandlerOptions.maxImportBytes}: 64 MiB. */
export const DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 * 1024
/** Default of `ghl.maxAgeMs`: 5 minutes. */
export const DEFAULT_GHL_MAX_AGE_MS = 5 * 60_000

/** Turns `api/leadcall/` into `/api/leadcall`, and `''` or `/` into `''`. */
function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.trim().replace(/\/+$/, '')
  if (trimmed === '') return ''
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new LeadCallError('VALIDATION_FAILED', { message: `Invalid HTTP handler option ${name}: ${value}` })
  return value
}

/** Applies the defaults and parses the keys once, failing fast on a bad option. */
function resolveOptions(options: HttpHandlerOptions): ResolvedHttpOptions {
  const ghl = options.ghl ?? {}
  let keys: Pick<ResolvedHttpOptions['ghl'], 'rsaPublicKey' | 'ed25519PublicKey'>
  try {
    keys = {
      rsaPublicKey: ghl.publicKeyPem ? toPublicKey(ghl.publicKeyPem) : undefined,
      ed25519PublicKey: ghl.ed25519PublicKey ? toPublicKey(ghl.ed25519PublicKey) : undefined,
    }
  } catch (error) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid HTTP handler option ghl: a public key could not be read (PEM, or Base64 Ed25519)',
      cause: error,
    })
  }
  if (ghl.secret !== undefined && ghl.secret.length === 0)
    throw new LeadCallError('VALIDATION_FAILED', { message: 'Invalid HTTP handler option ghl.secret: empty' })
  return {
    basePath: normalizeBasePath(options.basePath ?? ''),
    maxBodyBytes: positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes'),
    maxImportBytes: positive(options.maxImportBytes, DEFAULT_MAX_IMPORT_BYTES, 'maxImportBytes'),
    authorize: options.authorize,
    ghl: {
      ...keys,
      maxAgeMs: positive(ghl.maxAgeMs, DEFAULT_GHL_MAX_AGE_MS, 'ghl.maxAgeMs'),
      secret: ghl.secret,
    },
    leads: resolveLeadIntake(options.leads),
    webhooks: new Map(Object.entries(options.webhooks ?? {})),
    whatsapp: options.whatsapp ?? {},
    metrics: options.metrics ?? true,
    dashboard: options.dashboard ?? true,
  }
}

/**
 * Creates leadcall's HTTP handler: a Web-standard `(Request) => Promise<Response>` that any host
 * mounts with its own adapter (Hono and Bun directly, Express through `@hono/node-server`'s
 * `getRequestListener` or a fetch adapter, AWS Lambda through Hono's `handle`). No framework is
 * needed and no request is converted by hand.
 *
 * Routes, under `basePath`:
 *
 * - intake: `POST /leads` (a JSON lead; `Idempotency-Key` honoured), `POST /leads/ghl`
 *   (GoHighLevel `ContactCreate` and workflow payloads: signatures, replay and retry rules),
 *   `POST /webhooks/:provider` (call events through `options.webhooks`), `POST /whatsapp/twilio`
 *   (Twilio's inbound WhatsApp webhook, signature checked through `whatsapp.twilio`, answered with
 *   TwiML);
 * - management (through `authorize`): `POST /leads/import` (a `text/csv` upload, streamed),
 *   `GET /agents`, `PUT /agents/:id/status`, `GET /queue`,
 *   `DELETE /queue/:processId`, `GET /stats`, `GET /analytics?from&to&groupBy`,
 *   `GET /processes?limit&status&agent`, `GET /processes/:id`, `GET /export?format&from&to`,
 *   `GET /metrics`, `GET /events` (the app's events as Server-Sent Events, PII masked as the app's
 *   privacy settings say), `GET /conversations/:phone`, `GET /conversations/:phone/history`,
 *   `POST /conversations/:phone/reset`, `GET /analytics/conversations?from&to`;
 * - `GET /dashboard`: the live dashboard, one self-contained page under a strict
 *   Content-Security-Policy that reads the management routes next to it (so it holds no data and
 *   is served without `authorize`; `dashboard: false` turns it off);
 * - `GET /health` (200, or 503 when the storage is down; `providers` lists each telephony
 *   provider's circuit breaker when the provider reports its health, e.g. `failoverTelephony`).
 *
 * A lead is answered 200 once dialing, 202 when queued, and its error code's status when it was
 * refused (e.g. 403 for `DNC_BLOCKED`). Every error is a JSON body `{ error: { code, message,
 * status, details? } }`: malformed JSON 400, unauthorized 401, unknown route 404, wrong method 405
 * (with `Allow`), oversized body 413 (counted while reading), wrong content type 415, and 500 with a
 * generic message for anything unexpected (logged through `app.logger`, never shown).
 *
 * Create it once per app (it subscribes to the app's events for `GET /metrics`) and reuse it for
 * every request.
 *
 * @example
 * ```ts
 * import { serve } from '@hono/node-server'
 * import { createHttpHandler, createLeadCall } from '@leadcall/core'
 *
 * const app = createLeadCall({ storage, telephony })
 * const handler = createHttpHandler(app, {
 *   basePath: '/leadcall',
 *   authorize: (request) => request.headers.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}`,
 *   ghl: { publicKeyPem: process.env.GHL_WEBHOOK_PUBLIC_KEY },
 * })
 * serve({ fetch: handler, port: 3000 })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when an option is invalid (e.g. an unreadable key).
 */
export function createHttpHandler(app: LeadCallApp, options: HttpHandlerOptions = {}): HttpHandler {
  const resolved = resolveOptions(options)
  const metrics = resolved.metrics ? createHttpMetrics(app) : undefined
  const routes: HttpRoute[] = [
    ...leadsRoutes,
    ...ghlRoutes,
    ...webhooksRoutes,
    ...conversationsRoutes,
    ...agentsRoutes,
    ...queueRoutes,
    ...trackingRoutes,
    ...healthRoutes,
    ...(resolved.metrics ? metricsRoutes : []),
    ...eventsRoutes,
    ...(resolved.dashboard ? dashboardRoutes : []),
  ]
  const router = createRouter(
    routes.map((route) => ({ method: route.method, pattern: route.path, value: route })),
  )
  const base = resolved.basePath

  /** Routes the request; `seen.pattern` is set as soon as a route matched (for the metrics). */
  async function route(request: Request, url: URL, seen: { pattern: string }): Promise<Response> {
    const pathname = url.pathname
    let path: string | null = pathname
    if (base !== '') {
      path = pathname === base ? '/' : pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : null
    }
    if (path === null) throw notFound(`No route for ${request.method} ${pathname}`)
    const match = router.match(request.method, path)
    if (match.kind === 'not-found') throw notFound(`No route for ${request.method} ${pathname}`)
    if (match.kind === 'method-not-allowed') throw new MethodNotAllowedError(request.method, match.allow)
    const found = match.route.value
    seen.pattern = found.path
    if (found.management && resolved.authorize && !(await resolved.authorize(request))) throw unauthorized()
    return found.handle({ app, options: resolved, request, url, params: match.params, metrics })
  }

  return async function handle(request: Request): Promise<Response> {
    const seen = { pattern: 'unmatched' }
    let response: Response
    try {
      response = await route(request, new URL(request.url), seen)
    } catch (error) {
      response = toErrorResponse(error, app.logger, request)
    }
    metrics?.countRequest(seen.pattern, request.method, response.status)
    return response
  }
}
