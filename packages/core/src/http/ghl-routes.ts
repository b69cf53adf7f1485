/**
 * GoHighLevel intake: `POST /leads/ghl`, for the Marketplace `ContactCreate` webhook and the
 * workflow "Webhook" action.
 *
 * GoHighLevel retries a delivery only when it is answered 429 (up to 6 times, about 10 minutes
 * apart); every other status is final. So a lead that cannot be stored right now (a storage error,
 * `RATE_LIMITED`, any 5xx) is answered 429 with `Retry-After`, never 5xx, and a lead that was stored
 * but whose call failed is answered 202 (a retry would change nothing). Refusals that a retry cannot
 * fix keep their 4xx status.
 *
 * @module
 */
import { LeadCallError } from '../errors/lead-call-error.js'
import { parseJson, readText, requireJson } from './body.js'
import { secretsMatch, verifyGoHighLevelSignature } from './ghl-signature.js'
import { errorResponse, isClientError, jsonResponse, unauthorized } from './http-errors.js'
import type { HttpRoute, ResolvedHttpOptions, RouteContext } from './http-options.js'
import { leadResponseBody, leadResponseStatus } from './lead-response.js'

/** Seconds a 429 asks GoHighLevel (or any client) to wait before retrying. */
export const GHL_RETRY_AFTER_SECONDS = 60
/** How long a `webhookId` is remembered: at least a day, and twice the accepted age. */
const MIN_WEBHOOK_TTL_MS = 86_400_000
/** The longest `webhookId` accepted as a storage key. */
const MAX_WEBHOOK_ID = 200

/** The storage key remembering a delivered `webhookId`, in the app's tenant namespace. */
export function ghlWebhookKey(webhookId: string): string {
  return `http:ghl-webhook:${webhookId}`
}

/** How the request was authenticated. */
type Authentication = 'signature' | 'secret' | 'none'

/** Checks the signature or the shared secret as configured; throws 401 when it fails. */
function authenticate(
  request: Request,
  url: URL,
  raw: string,
  parsed: unknown,
  ghl: ResolvedHttpOptions['ghl'],
): Authentication {
  const ghlSignature = request.headers.get('x-ghl-signature')
  const whSignature = request.headers.get('x-wh-signature')
  const checkable = (ghlSignature && ghl.ed25519PublicKey) || (whSignature && ghl.rsaPublicKey)
  if (checkable) {
    const check = verifyGoHighLevelSignature({
      body: raw,
      parsed,
      ghlSignature,
      whSignature,
      ed25519PublicKey: ghl.ed25519PublicKey,
      rsaPublicKey: ghl.rsaPublicKey,
    })
    if (!check.ok) throw unauthorized('The GoHighLevel webhook signature is invalid')
    return 'signature'
  }
  if (ghl.secret !== undefined) {
    const presented = request.headers.get('x-leadcall-secret') ?? url.searchParams.get('secret')
    if (presented === null || !secretsMatch(presented, ghl.secret))
      throw unauthorized('The webhook secret is missing or wrong (x-leadcall-secret header or ?secret=)')
    return 'secret'
  }
  if (ghl.ed25519PublicKey || ghl.rsaPublicKey)
    throw unauthorized('The GoHighLevel webhook signature is missing (x-ghl-signature or x-wh-signature)')
  return 'none'
}

/** Reads a payload `timestamp` (ISO 8601, or a number in ms or seconds) as ms, or `null`. */
export function timestampMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value
  if (typeof value !== 'string' || value.trim() === '') return null
  if (/^\d+$/.test(value.trim())) return timestampMs(Number(value))
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

/** Refuses (401) a signed payload whose `timestamp` is unreadable or off by more than `maxAgeMs`. */
function checkFreshness(payload: Record<string, unknown>, maxAgeMs: number, now: number): void {
  if (!Object.hasOwn(payload, 'timestamp') || payload.timestamp == null) return
  const at = timestampMs(payload.timestamp)
  if (at === null) throw unauthorized('The webhook timestamp is unreadable')
  if (Math.abs(now - at) > maxAgeMs)
    throw new LeadCallError('INVALID_SIGNATURE', {
      message: 'The webhook timestamp is stale (a replayed delivery?)',
      details: { timestamp: payload.timestamp, maxAgeMs },
    })
}

/** The answer asking the sender to retry later (GoHighLevel retries only on 429). */
function retryLater(): Response {
  const error = new LeadCallError('RATE_LIMITED', {
    message: 'The lead cannot be stored right now; retry later',
  })
  return errorResponse(error, { 'retry-after': String(GHL_RETRY_AFTER_SECONDS) })
}

/** The app's clock (its `now` option, else the system clock). */
function nowOf({ app }: RouteContext): number {
  return app.config.now?.() ?? Date.now()
}

/** `POST /leads/ghl`. */
async function postGoHighLevelLead(context: RouteContext): Promise<Response> {
  const { app, options, request, url } = context
  requireJson(request)
  const raw = await readText(request, options.maxBodyBytes)
  let parsed: unknown
  let parseError: unknown
  try {
    parsed = parseJson(raw)
  } catch (error) {
    parseError = error
  }
  const how = authenticate(request, url, raw, parsed, options.ghl)
  if (parseError !== undefined) throw parseError
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new LeadCallError('VALIDATION_FAILED', { message: 'The GoHighLevel payload must be a JSON object' })
  const payload = parsed as Record<string, unknown>

  // A Marketplace app receives every event it subscribed to at one URL: only ContactCreate is a lead.
  const type = Object.hasOwn(payload, 'type') ? payload.type : undefined
  if (typeof type === 'string' && type !== 'ContactCreate') {
    return jsonResponse({ success: true, ignored: true, message: `Event ${type} is not a new lead; ignored` })
  }
  if (how === 'signature') checkFreshness(payload, options.ghl.maxAgeMs, nowOf(context))

  const webhookId =
    typeof payload.webhookId === 'string' ? payload.webhookId.slice(0, MAX_WEBHOOK_ID) : undefined
  let remembered = false
  try {
    if (webhookId) {
      const ttlMs = Math.max(MIN_WEBHOOK_TTL_MS, 2 * options.ghl.maxAgeMs)
      const first = await app.storage.atomic(app.tenant, {
        checks: [{ key: ghlWebhookKey(webhookId), version: null }],
        mutations: [{ type: 'set', key: ghlWebhookKey(webhookId), value: { at: nowOf(context) }, ttlMs }],
      })
      if (!first.ok) {
        throw new LeadCallError('DUPLICATE_LEAD', {
          message: 'This GoHighLevel webhook delivery was already received',
          details: { webhookId },
        })
      }
      remembered = true
    }
    const result = await app.submitLead(payload)
    const status = leadResponseStatus(result)
    // Stored, but the call failed: a retry would change nothing, and 5xx is never answered.
    return jsonResponse(leadResponseBody(result), status >= 500 ? 202 : status)
  } catch (error) {
    if (isClientError(error)) throw error
    if (!LeadCallError.isInstance(error))
      app.logger.error({ err: error, webhookId }, 'GoHighLevel lead could not be stored; asking for a retry')
    // Forget the delivery so that GoHighLevel's retry is let in.
    if (remembered && webhookId) {
      await app.storage
        .atomic(app.tenant, { mutations: [{ type: 'delete', key: ghlWebhookKey(webhookId) }] })
        .catch(() => {})
    }
    return retryLater()
  }
}

/** The GoHighLevel intake route. */
export const ghlRoutes: readonly HttpRoute[] = [
  { method: 'POST', path: '/leads/ghl', management: false, handle: postGoHighLevelLead },
]
