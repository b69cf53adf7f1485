/**
 * The options of the `asterisk()` provider factory and their validation.
 *
 * @module
 */
import { type AgentPresenceReport, type Logger, validationError } from '@leadcall/core/provider'
import { z } from 'zod'
import { type EndpointTemplate, parseEndpointTemplate } from './ari-endpoint-template.js'

/**
 * How agents and leads are dialed: dial-string templates with placeholders in braces.
 *
 * @example
 * ```ts
 * { agent: 'PJSIP/{ext}', lead: 'PJSIP/{number}@trunk' }
 * ```
 */
export interface AsteriskEndpoints {
  /**
   * The agent's endpoint, from `agent.providerRefs.asterisk` as `{ext}` (default `PJSIP/{ext}`). A
   * reference that already is a dial string (it contains `/`, e.g. `PJSIP/1001` or
   * `Local/1001@agents`) is used as it is.
   */
  agent?: string
  /**
   * The lead's endpoint, with `{number}` (E.164, `+14155550199`) or `{digits}` (`14155550199`),
   * e.g. `PJSIP/{number}@trunk` where `trunk` is the PJSIP endpoint of your SIP trunk. Required.
   */
  lead: string
  /**
   * How to dial an agent that has no `providerRefs.asterisk` but a `phone` (`{number}`,
   * `{digits}`); default: the `lead` template (through the same trunk).
   */
  agentPhone?: string
}

/** Reconnect delays of the events WebSocket, see {@link AsteriskOptions.reconnect}. */
export interface AsteriskReconnectOptions {
  /** The delay ceiling of the first retry, in ms (default 500). */
  initialDelayMs?: number
  /** The largest delay, in ms (default 30000). */
  maxDelayMs?: number
}

/** Options of {@link asterisk}. */
export interface AsteriskOptions {
  /**
   * The ARI base URL: Asterisk's HTTP server (`http.conf`) with its prefix, e.g.
   * `http://pbx.internal:8088` (`/ari` is added when missing) or `https://pbx.example.com/ari`.
   * Default: `ASTERISK_ARI_URL`.
   */
  url?: string
  /** The ARI user (a `type=user` section of `ari.conf`). Default: `ASTERISK_ARI_USERNAME`. */
  username?: string
  /** Its password. Default: `ASTERISK_ARI_PASSWORD`. */
  password?: string
  /**
   * The Stasis application leadcall registers over the events WebSocket (default `leadcall`). One
   * connection per application name: give each process its own (e.g. `leadcall-worker-1`).
   */
  app?: string
  /** How agents and leads are dialed. */
  endpoints: AsteriskEndpoints
  /** The caller id the lead sees, e.g. your DID `+14155550000` or `"Acme" <+14155550000>` (default: the trunk's). */
  callerId?: string
  /**
   * The caller id the agent's phone shows, with `{name}`, `{number}` and `{digits}` of the lead
   * (default: the lead's name and number, `"John Carter" <+14155550199>`; `''` to leave Asterisk's).
   */
  agentCallerId?: string
  /** How long the agent's phone rings, in seconds (default 30, 1 to 600). The lead rings for the dial's `timeoutMs`. */
  agentRingTimeoutSec?: number
  /** Opens the events WebSocket with `subscribeAll=true`: every event of the Asterisk, not only the app's (default false). */
  subscribeAll?: boolean
  /**
   * Checks the agent's endpoint before dialing (`GET /endpoints/{tech}/{resource}`, one more round
   * trip): an unknown (404) or offline endpoint is `AGENT_NOT_AVAILABLE`, one with channels
   * `AGENT_BUSY`, and no phone rings (default false).
   */
  checkAgentEndpoint?: boolean
  /**
   * Receives the presence of an endpoint each time Asterisk reports a change (`EndpointStateChange`),
   * under the same ids as `listAgentPresence`. With it, the adapter subscribes the app to the
   * endpoints of the agent template's technology (`endpoint:PJSIP`) on every (re)connection.
   */
  onPresence?: (reports: AgentPresenceReport[]) => void
  /** The longest one REST request may take, in ms (default 10000); past it, `PROVIDER_TIMEOUT`. */
  timeoutMs?: number
  /**
   * The longest the events WebSocket's opening handshake may take, and the longest a dial waits
   * for the socket when it is not connected, in ms (default 10000).
   */
  connectTimeoutMs?: number
  /** How many times a failed GET is retried (default 2). Other requests are never retried. */
  retries?: number
  /** Reconnect delays of the events WebSocket after a drop (exponential, with jitter). */
  reconnect?: AsteriskReconnectOptions
  /** Interval of the WebSocket ping, in ms (default 30000; 0 disables it): a connection that misses a pong is dropped and reopened. */
  keepAliveMs?: number
  /** A pino-compatible logger for connection and clean-up problems (default: silent). */
  logger?: Logger
  /** The `fetch` to use for REST requests (default: the global one). */
  fetch?: typeof fetch
  /** The provider's name, in events and `agent.providerRefs` (default `asterisk`). */
  name?: string
}

/** The options after validation, with defaults. @internal */
export interface AsteriskSettings {
  url?: string
  username?: string
  password?: string
  app: string
  agentTemplate: EndpointTemplate
  leadTemplate: EndpointTemplate
  agentPhoneTemplate: EndpointTemplate
  callerId?: string
  agentCallerId?: string
  agentRingTimeoutSec: number
  subscribeAll: boolean
  checkAgentEndpoint: boolean
  onPresence?: (reports: AgentPresenceReport[]) => void
  timeoutMs: number
  connectTimeoutMs: number
  retries: number
  reconnect: { initialDelayMs: number; maxDelayMs: number }
  keepAliveMs: number
  logger?: Logger
  fetch?: typeof fetch
  name: string
}

/** Characters that would break a caller id or a header. */
const CALLER_ID = /^[^\r\n\0]{1,200}$/

const templateField = (allowed: readonly string[], required: readonly string[]) =>
  z.string().superRefine((value, context) => {
    try {
      parseEndpointTemplate(value, allowed, required)
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message })
    }
  })

const func = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', `Expected ${what} function`)

const OptionsSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional(),
    username: z.string().min(1).max(200).optional(),
    password: z.string().min(1).max(500).optional(),
    app: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,80}$/, 'Expected letters, digits, _ . - (at most 80)')
      .optional(),
    endpoints: z.strictObject({
      agent: templateField(['ext'], ['ext']).optional(),
      lead: templateField(['number', 'digits'], ['number', 'digits']),
      agentPhone: templateField(['number', 'digits'], ['number', 'digits']).optional(),
    }),
    callerId: z.string().regex(CALLER_ID, 'Expected one line of at most 200 characters').optional(),
    agentCallerId: z
      .string()
      .max(200)
      .regex(/^[^\r\n\0]*$/, 'Expected one line')
      .optional(),
    agentRingTimeoutSec: z.number().int().min(1).max(600).optional(),
    subscribeAll: z.boolean().optional(),
    checkAgentEndpoint: z.boolean().optional(),
    onPresence: func<(reports: AgentPresenceReport[]) => void>('a').optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    connectTimeoutMs: z.number().int().positive().max(600_000).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    reconnect: z
      .strictObject({
        initialDelayMs: z.number().int().min(1).max(600_000).optional(),
        maxDelayMs: z.number().int().min(1).max(3_600_000).optional(),
      })
      .optional(),
    keepAliveMs: z.number().int().min(0).max(3_600_000).optional(),
    logger: z
      .custom<Logger>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          ['debug', 'info', 'warn', 'error'].every(
            (level) => typeof (value as Record<string, unknown>)[level] === 'function',
          ),
        'Expected a logger with debug, info, warn and error',
      )
      .optional(),
    fetch: func<typeof fetch>('a fetch').optional(),
    name: z.string().min(1).max(100).optional(),
  })
  .superRefine((options, context) => {
    const initial = options.reconnect?.initialDelayMs ?? 500
    const max = options.reconnect?.maxDelayMs ?? 30_000
    if (max < initial) {
      context.addIssue({
        code: 'custom',
        path: ['reconnect', 'maxDelayMs'],
        message: 'Must be at least reconnect.initialDelayMs',
      })
    }
  })

/**
 * Validates the options and applies the defaults.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem. @internal
 */
export function resolveSettings(options: AsteriskOptions): AsteriskSettings {
  const checked = OptionsSchema.safeParse(options)
  if (!checked.success) throw validationError('Asterisk options', checked.error)
  const o = checked.data
  const lead = parseEndpointTemplate(o.endpoints.lead, ['number', 'digits'])
  return {
    ...(o.url === undefined ? {} : { url: o.url }),
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    app: o.app ?? 'leadcall',
    agentTemplate: parseEndpointTemplate(o.endpoints.agent ?? 'PJSIP/{ext}', ['ext']),
    leadTemplate: lead,
    agentPhoneTemplate:
      o.endpoints.agentPhone === undefined
        ? lead
        : parseEndpointTemplate(o.endpoints.agentPhone, ['number', 'digits']),
    ...(o.callerId === undefined ? {} : { callerId: o.callerId }),
    ...(o.agentCallerId === undefined ? {} : { agentCallerId: o.agentCallerId }),
    agentRingTimeoutSec: o.agentRingTimeoutSec ?? 30,
    subscribeAll: o.subscribeAll ?? false,
    checkAgentEndpoint: o.checkAgentEndpoint ?? false,
    ...(o.onPresence === undefined ? {} : { onPresence: o.onPresence }),
    timeoutMs: o.timeoutMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    retries: o.retries ?? 2,
    reconnect: {
      initialDelayMs: o.reconnect?.initialDelayMs ?? 500,
      maxDelayMs: o.reconnect?.maxDelayMs ?? 30_000,
    },
    keepAliveMs: o.keepAliveMs ?? 30_000,
    ...(o.logger === undefined ? {} : { logger: o.logger }),
    ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
    name: o.name ?? 'asterisk',
  }
}
