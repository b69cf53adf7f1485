/**
 * Options of the HTTP handler and what every route receives.
 *
 * @module
 */

import type { KeyObject } from 'node:crypto'
import type { LeadCallApp } from '../app/create-lead-call.js'
import type { CallEvent } from '../domain/call-event.js'
import type { LeadIntakeOptions, ResolvedLeadIntake } from './lead-intake-auth.js'
import type { HttpMetrics } from './metrics-routes.js'

/**
 * Parses and verifies one provider's webhook request into normalized call events (supplied by the
 * telephony adapters, e.g. Twilio's status callbacks). It throws a `LeadCallError`
 * (`INVALID_SIGNATURE`, `VALIDATION_FAILED`) to refuse the request.
 */
export type CallEventParser = (request: Request) => Promise<CallEvent[]>

/** How `POST /leads/ghl` authenticates GoHighLevel, see {@link HttpHandlerOptions.ghl}. */
export interface GoHighLevelWebhookOptions {
  /**
   * HighLevel's RSA public key (PEM) for the legacy `x-wh-signature` header (RSA-SHA256), as
   * published in HighLevel's webhook authentication docs.
   */
  publicKeyPem?: string
  /**
   * HighLevel's Ed25519 public key for the `x-ghl-signature` header: PEM, or the Base64 of the raw
   * 32-byte key. When a request carries `x-ghl-signature` and this key is set, that signature
   * decides; otherwise `x-wh-signature` is checked.
   */
  ed25519PublicKey?: string
  /**
   * How old a signed payload's `timestamp` may be (and how far in the future), in ms (default 5
   * minutes, as HighLevel advises). HighLevel retries only after a 429, about 10 minutes apart; if
   * its retries keep the first `timestamp`, raise this to let them in (`webhookId` still stops
   * replays).
   */
  maxAgeMs?: number
  /**
   * A shared secret for payloads that carry no signature (the workflow "Webhook" action): the
   * request must present it in an `x-leadcall-secret` header or a `?secret=` query parameter. It
   * is compared in constant time.
   */
  secret?: string
}

/** An inbound WhatsApp message as `POST /whatsapp/twilio` needs it. */
export interface WhatsAppInbound {
  /** Twilio's `MessageSid`: redeliveries carry the same one. */
  messageSid: string
  /** The sender's number, without the `whatsapp:` prefix. */
  from: string
  /** The text. */
  body: string
  /** The sender's WhatsApp profile name, when shared. */
  profileName?: string
}

/**
 * What verifies and parses Twilio's inbound WhatsApp webhook: the Twilio provider of
 * `@leadcall/twilio` (`twilio({ accountSid, authToken, ... })`) is one. It throws a
 * `LeadCallError` `INVALID_SIGNATURE` for a request `X-Twilio-Signature` does not vouch for.
 */
export interface TwilioWhatsAppSource {
  /** Verifies the request's signature and reads the message. */
  parseWhatsAppMessage(request: Request, options?: { url?: string }): Promise<WhatsAppInbound>
}

/** Settings of `POST /whatsapp/twilio`, see {@link HttpHandlerOptions.whatsapp}. */
export interface WhatsAppWebhookOptions {
  /**
   * Verifies signatures and parses messages (e.g. the Twilio provider). Without it the route
   * reads Twilio's documented parameters and checks no signature: configure it in production.
   */
  twilio?: TwilioWhatsAppSource
  /**
   * The public URL Twilio posts to, exactly as configured in Twilio's console, when it differs
   * from the request's URL (a proxy or tunnel in front of the host): Twilio signs that URL.
   */
  url?: string
}

/** Options of {@link createHttpHandler}; every one is optional. */
export interface HttpHandlerOptions {
  /** A prefix of every route, e.g. `/api/leadcall` (default: none). */
  basePath?: string
  /** The largest JSON body accepted, in bytes (default 1 MiB); larger ones are answered 413. */
  maxBodyBytes?: number
  /** The largest CSV upload `POST /leads/import` accepts, in bytes (default 64 MiB). */
  maxImportBytes?: number
  /**
   * Called for every management route (CSV import, agents, queue, stats, analytics, processes,
   * export, metrics, events, conversations); the request is refused with 401 when it answers false. Intake and webhook
   * routes rely on signatures and secrets instead. Without it, management routes are open: mount
   * the handler behind your own authentication then.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>
  /** Signature, secret and replay settings of `POST /leads/ghl`. Without them, it accepts any payload. */
  ghl?: GoHighLevelWebhookOptions
  /**
   * Secrets `POST /leads` checks, presented or signing the body (see {@link LeadIntakeOptions}).
   * Without them, `POST /leads` accepts any sender.
   */
  leads?: LeadIntakeOptions
  /** Webhook parsers by provider name, serving `POST /webhooks/:provider`. */
  webhooks?: Record<string, CallEventParser>
  /** Signature check and public URL of `POST /whatsapp/twilio`. */
  whatsapp?: WhatsAppWebhookOptions
  /** Serve `GET /metrics` (default true); it needs the optional peer dependency `prom-client`. */
  metrics?: boolean
  /**
   * Serve the live dashboard page, `GET /dashboard` (default true). The page holds no data and is
   * served without `authorize`; everything it reads does go through it. `GET /events`, the event
   * stream it follows, is served either way.
   */
  dashboard?: boolean
}

/** The options with their defaults applied and keys read once. */
export interface ResolvedHttpOptions {
  /** The normalized base path (`''` or `/x/y`, no trailing slash). */
  basePath: string
  /** See {@link HttpHandlerOptions.maxBodyBytes}. */
  maxBodyBytes: number
  /** See {@link HttpHandlerOptions.maxImportBytes}. */
  maxImportBytes: number
  /** See {@link HttpHandlerOptions.authorize}. */
  authorize: ((request: Request) => boolean | Promise<boolean>) | undefined
  /** The GoHighLevel settings with keys parsed. */
  ghl: {
    rsaPublicKey: KeyObject | undefined
    ed25519PublicKey: KeyObject | undefined
    maxAgeMs: number
    secret: string | undefined
  }
  /** The `POST /leads` secrets, checked. */
  leads: ResolvedLeadIntake
  /** See {@link HttpHandlerOptions.webhooks}. */
  webhooks: ReadonlyMap<string, CallEventParser>
  /** See {@link HttpHandlerOptions.whatsapp}. */
  whatsapp: WhatsAppWebhookOptions
  /** See {@link HttpHandlerOptions.metrics}. */
  metrics: boolean
  /** See {@link HttpHandlerOptions.dashboard}. */
  dashboard: boolean
}

/** What a route handler receives. */
export interface RouteContext {
  /** The app the handler serves. */
  app: LeadCallApp
  /** The handler's options. */
  options: ResolvedHttpOptions
  /** The request. */
  request: Request
  /** The request URL, parsed. */
  url: URL
  /** The path parameters of the route. */
  params: Record<string, string>
  /** The metrics collector, when `/metrics` is on. */
  metrics: HttpMetrics | undefined
}

/** One route of the handler. */
export interface HttpRoute {
  /** The HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** The path pattern under the base path, e.g. `/processes/:id`. */
  path: string
  /** True for management routes, which go through `authorize`. */
  management: boolean
  /** Answers the request. */
  handle: (context: RouteContext) => Promise<Response>
}
