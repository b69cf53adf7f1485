/**
 * The CloudTalk telephony provider: {@link cloudtalk}.
 *
 * @module
 */
import { setMaxListeners } from 'node:events'
import {
  type AgentPresenceReport,
  type CallEvent,
  type CallEventSink,
  type ContactSyncResult,
  type DialRequest,
  type DialResult,
  type Lead,
  LeadCallError,
  type Logger,
  type ProviderCallOptions,
  type TelephonyCapabilities,
  type TelephonyProviderV1,
  type WebhookOptions,
} from '@leadcall/core/provider'
import { z } from 'zod'
import { type CloudTalkCredentials, createCloudTalkApi, redact, vendorStatusOf } from './cloudtalk-api.js'
import {
  type CloudTalkBulkSyncOptions,
  type CloudTalkBulkSyncResult,
  createContacts,
} from './cloudtalk-contacts.js'
import { cdrNotice, createCorrelator, type DialRecord, noticeEvents } from './cloudtalk-correlation.js'
import { CloudTalkAgentsEnvelopeSchema, CloudTalkStatusEnvelopeSchema } from './cloudtalk-envelope.js'
import { createPresence } from './cloudtalk-presence.js'
import { type CloudTalkRateLimiter, createCloudTalkRateLimiter } from './cloudtalk-rate-limiter.js'
import { CloudTalkCallsEnvelopeSchema } from './cloudtalk-schemas.js'
import {
  type CloudTalkCallNotice,
  type CloudTalkWebhookField,
  type CloudTalkWebhookFieldMap,
  DEFAULT_CLOUDTALK_WEBHOOK_FIELDS,
  DEFAULT_SECRET_HEADER,
  DEFAULT_SECRET_PARAM,
  readCloudTalkCallNotice,
  readCloudTalkWebhookRequest,
  verifyCloudTalkWebhookSecret,
} from './cloudtalk-webhook.js'

/** How a CloudTalk dial reaches the lead. */
export type CloudTalkDialMode = 'agent_first' | 'campaign'

/**
 * The campaign of one agent: the contact tag that feeds it (the campaign selects its contacts by
 * tag) and, for reports, the campaign's id. A bare string is the tag.
 */
export type CloudTalkAgentCampaign =
  | string
  | {
      /** The tag the agent's campaign selects contacts by. */
      tag: string
      /** The CloudTalk campaign id, echoed in the dial result for reports. */
      campaignId?: string | number
    }

/** Options of {@link cloudtalk}. */
export interface CloudTalkOptions {
  /** The API Access Key ID (Dashboard → Account → Settings → API keys). Default: `CLOUDTALK_ACCESS_KEY_ID`. */
  accessKeyId?: string
  /** The API Access Key Secret. Default: `CLOUDTALK_ACCESS_KEY_SECRET`. */
  accessKeySecret?: string
  /**
   * `agent_first` (default): click-to-call, `POST /calls/create.json` rings the agent, then the
   * lead. `campaign`: the lead's contact gets the agent's campaign tag and CloudTalk's dialer calls
   * it. A dial's `mode` overrides it.
   */
  mode?: CloudTalkDialMode
  /**
   * Campaign mode: each agent's campaign, keyed by CloudTalk agent id (the agent's
   * `providerRefs.cloudtalk`) or leadcall agent id. Without it the provider declares
   * `campaignMode: false`.
   */
  campaigns?: Readonly<Record<string, CloudTalkAgentCampaign>>
  /** Create each campaign tag (`PUT /tags/add.json`) before its first use (default true). */
  ensureCampaignTags?: boolean
  /** Tags every contact the adapter creates gets (default none). */
  contactTags?: readonly string[]
  /** `syncContact` updates the name and company of an existing contact (default true); arrays are never replaced. */
  updateExistingContacts?: boolean
  /** How long a phone → contact id found or created is remembered, in ms (default 3600000). */
  contactCacheMs?: number
  /**
   * The shared secret of the Workflow Automation requests (at least 16 characters). Default:
   * `CLOUDTALK_WEBHOOK_SECRET`. Without it `parseWebhook` and `verifyWebhook` refuse every request.
   */
  webhookSecret?: string
  /** The header carrying the secret (default `x-leadcall-secret`); `Authorization: Bearer` works too. */
  webhookSecretHeader?: string
  /** The URL query parameter carrying the secret (default `lc_secret`). */
  webhookSecretParam?: string
  /** Where each fact is in the workflow's JSON body (default {@link DEFAULT_CLOUDTALK_WEBHOOK_FIELDS}). */
  webhookFields?: CloudTalkWebhookFieldMap
  /** How long after a dial a call may still be matched to it, in ms (default 7200000). */
  correlationWindowMs?: number
  /** The same for campaign dials, which CloudTalk's dialer places later (default 86400000). */
  campaignCorrelationWindowMs?: number
  /** How much earlier than the dial a call may seem to start (clock differences), in ms (default 120000). */
  clockSkewMs?: number
  /**
   * How long after a click-to-call with no webhook the call history is polled for it, in ms
   * (default 120000); `false` never polls. Polling runs once a sink is `connect`ed.
   */
  historyPollAfterMs?: number | false
  /** How often the call history is polled for one call, in ms (default 60000). */
  historyPollIntervalMs?: number
  /** How long after the dial the call history is polled before giving up, in ms (default 1800000). */
  historyPollMaxMs?: number
  /** How long an agents list is served from the cache, in ms (default 15000). */
  presenceCacheMs?: number
  /** Check the agent with `GET /agents/index.json?id=` before each click-to-call (default false; costs a request). */
  precheckAgent?: boolean
  /** The limiter of this company's requests, shared with other providers of the same company (default: a new one). */
  rateLimiter?: CloudTalkRateLimiter
  /** The company's limit when the provider makes its own limiter (default 60 a minute). */
  requestsPerMinute?: number
  /** The longest one REST request may take, in ms (default 10000); past it, `PROVIDER_TIMEOUT`. */
  timeoutMs?: number
  /** How many times a failed GET is retried (default 2). Writes, and dials above all, are never retried. */
  retries?: number
  /** The REST base URL (default `https://my.cloudtalk.io/api`). */
  baseUrl?: string
  /** The `fetch` to use (default: the global one), for tests and edge runtimes. */
  fetch?: typeof fetch
  /** Where to log what happens in the background (history polls, uncorrelated webhooks); never credentials. */
  logger?: Logger
  /** The provider's name, in events and `agent.providerRefs` (default `cloudtalk`). */
  name?: string
}

/** Options of {@link CloudTalkProvider.pollCallHistory}. */
export interface PollCallHistoryOptions extends ProviderCallOptions {
  /** Polls every click-to-call not yet settled, not only those due (default false). */
  all?: boolean
}

/** The CloudTalk provider: a {@link TelephonyProviderV1} with CloudTalk's own extras. */
export interface CloudTalkProvider extends TelephonyProviderV1 {
  /** Creates the lead's contact, or updates the one with its phone. */
  syncContact(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult>
  /**
   * Syncs many leads with `POST /bulk/contacts.json`, at most 10 actions per request, and checks
   * each action's own result. Never throws for one lead: each result says `ok` or carries its error.
   */
  bulkSyncContacts(
    leads: readonly Lead[],
    options?: CloudTalkBulkSyncOptions,
  ): Promise<CloudTalkBulkSyncResult[]>
  /** Every agent's presence, from `GET /agents/index.json` or its cache. */
  listAgentPresence(options?: ProviderCallOptions): Promise<AgentPresenceReport[]>
  /** Checks the shared secret, reads the workflow request and returns the events of the dial it matches. */
  parseWebhook(request: Request, options?: WebhookOptions): Promise<CallEvent[]>
  /** Checks the shared secret of a workflow request, without reading its body. */
  verifyWebhook(request: Request, options?: WebhookOptions): Promise<void>
  /** Receives the events the call-history fallback finds; starts polling it. */
  connect(sink: CallEventSink): void
  /**
   * Polls the call history now for click-to-calls no webhook reported (those due, or all with
   * `all`), returns the events found and gives them to the connected sink.
   */
  pollCallHistory(options?: PollCallHistoryOptions): Promise<CallEvent[]>
  /** The limiter every request of this provider goes through; pass it to another provider of the same company. */
  readonly rateLimiter: CloudTalkRateLimiter
  /** Stops polling, aborts the requests in flight (they reject with `CALL_FAILED`) and refuses new ones. */
  close(): Promise<void>
}

const DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  correlationWindowMs: 2 * 3_600_000,
  campaignCorrelationWindowMs: 24 * 3_600_000,
  clockSkewMs: 120_000,
  historyPollAfterMs: 120_000,
  historyPollIntervalMs: 60_000,
  historyPollMaxMs: 30 * 60_000,
  presenceCacheMs: 15_000,
  contactCacheMs: 3_600_000,
} as const

/** The most agents whose call history one poll round reads. */
const MAX_AGENTS_PER_POLL = 5

const httpUrl = z.url({ protocol: /^https?$/ })
const FieldPaths = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])
const FIELD_NAMES = Object.keys(DEFAULT_CLOUDTALK_WEBHOOK_FIELDS) as CloudTalkWebhookField[]
const WebhookFieldsSchema = z.strictObject(
  Object.fromEntries(FIELD_NAMES.map((field) => [field, FieldPaths.optional()])) as Record<
    CloudTalkWebhookField,
    z.ZodOptional<typeof FieldPaths>
  >,
)
const TagSchema = z.string().trim().min(1).max(100)
const duration = z
  .number()
  .int()
  .nonnegative()
  .max(7 * 86_400_000)

const OptionsSchema = z
  .strictObject({
    accessKeyId: z.string().min(1).optional(),
    accessKeySecret: z.string().min(1).optional(),
    mode: z.enum(['agent_first', 'campaign']).optional(),
    campaigns: z
      .record(
        z.string().min(1),
        z.union([
          TagSchema,
          z.strictObject({
            tag: TagSchema,
            campaignId: z.union([z.string().min(1), z.number().int().positive()]).optional(),
          }),
        ]),
      )
      .refine((value) => Object.keys(value).length > 0, 'Give at least one agent campaign')
      .optional(),
    ensureCampaignTags: z.boolean().optional(),
    contactTags: z.array(TagSchema).max(20).optional(),
    updateExistingContacts: z.boolean().optional(),
    contactCacheMs: duration.optional(),
    webhookSecret: z.string().min(16, 'Use a webhook secret of at least 16 characters').optional(),
    webhookSecretHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/, 'Expected a header name')
      .optional(),
    webhookSecretParam: z.string().min(1).max(100).optional(),
    webhookFields: WebhookFieldsSchema.optional(),
    correlationWindowMs: duration.positive().optional(),
    campaignCorrelationWindowMs: duration.positive().optional(),
    clockSkewMs: duration.optional(),
    historyPollAfterMs: z.union([z.literal(false), duration]).optional(),
    historyPollIntervalMs: duration.min(1000).optional(),
    historyPollMaxMs: duration.positive().optional(),
    presenceCacheMs: duration.optional(),
    precheckAgent: z.boolean().optional(),
    rateLimiter: z
      .custom<CloudTalkRateLimiter>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as CloudTalkRateLimiter).acquire === 'function' &&
          typeof (value as CloudTalkRateLimiter).observe === 'function',
        'Expected a limiter from createCloudTalkRateLimiter()',
      )
      .optional(),
    requestsPerMinute: z.number().int().min(1).max(100_000).optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    baseUrl: httpUrl.optional(),
    fetch: z
      .custom<typeof fetch>((value) => typeof value === 'function', 'Expected a fetch function')
      .optional(),
    logger: z
      .custom<Logger>(
        (value) =>
          typeof value === 'object' && value !== null && typeof (value as Logger).warn === 'function',
        'Expected a logger',
      )
      .optional(),
    name: z.string().min(1).max(100).optional(),
  })
  .refine((options) => options.mode !== 'campaign' || options.campaigns !== undefined, {
    message: 'Campaign mode needs campaigns (each agent’s tag)',
    path: ['campaigns'],
  })
  .refine((options) => options.rateLimiter === undefined || options.requestsPerMinute === undefined, {
    message: 'Give either rateLimiter or requestsPerMinute, not both',
    path: ['requestsPerMinute'],
  })

const DialRequestCheck = z.object({
  attemptId: z.string().min(1).max(128),
  processId: z.string().min(1).max(128),
  agent: z.object({ id: z.string().min(1) }),
  lead: z.object({ phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'Expected an E.164 number') }),
})

function invalid(what: string, error: z.ZodError): LeadCallError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    details: { issues },
    retryable: false,
  })
}

function unsupported(capability: keyof TelephonyCapabilities, what: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `The CloudTalk adapter does not support ${what}`,
    details: { capability },
    retryable: false,
  })
}

function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function msOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined
  const value = Date.parse(iso)
  return Number.isFinite(value) ? value : undefined
}

/** CloudTalk's date filter format, `YYYY-MM-DD HH:MM:SS`, in UTC. */
function cloudTalkDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * Creates the CloudTalk telephony provider: click-to-call (`POST /calls/create.json`: CloudTalk
 * rings the agent, then the lead) or campaign mode (the lead's contact gets the agent's campaign
 * tag), contact sync (single and bulk), agents' presence, and call events from Workflow Automation
 * requests, correlated to the dial attempts, with the call history as a fallback.
 *
 * Every request goes through one rate limiter (CloudTalk allows 60 a minute per company), dials
 * first. Credentials come from the options, else from `CLOUDTALK_ACCESS_KEY_ID` and
 * `CLOUDTALK_ACCESS_KEY_SECRET`; they are read when first needed, so a missing one fails the first
 * call with a `VALIDATION_FAILED` naming the option and the variable. They never appear in errors.
 *
 * @example
 * ```ts
 * import { createHttpHandler, createLeadCall, memoryStorage } from '@leadcall/core'
 * import { cloudtalk } from '@leadcall/cloudtalk'
 *
 * const telephony = cloudtalk({
 *   accessKeyId: process.env.CLOUDTALK_ACCESS_KEY_ID,
 *   accessKeySecret: process.env.CLOUDTALK_ACCESS_KEY_SECRET,
 *   webhookSecret: process.env.CLOUDTALK_WEBHOOK_SECRET,
 * })
 * const app = createLeadCall({ storage: memoryStorage(), telephony })
 * const handler = createHttpHandler(app, { webhooks: { cloudtalk: (request) => telephony.parseWebhook(request) } })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for invalid options (every problem listed).
 */
export function cloudtalk(options: CloudTalkOptions = {}): CloudTalkProvider {
  const checked = OptionsSchema.safeParse(options)
  if (!checked.success) throw invalid('CloudTalk options', checked.error)
  const settings = checked.data
  const name = settings.name ?? 'cloudtalk'
  const defaultMode: CloudTalkDialMode = settings.mode ?? 'agent_first'
  const timeoutMs = settings.timeoutMs ?? DEFAULTS.timeoutMs
  const baseUrl = (settings.baseUrl ?? 'https://my.cloudtalk.io/api').replace(/\/+$/, '')
  const webhookSecret = settings.webhookSecret ?? env('CLOUDTALK_WEBHOOK_SECRET')
  if (webhookSecret !== undefined && webhookSecret.length < 16) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'CLOUDTALK_WEBHOOK_SECRET must be at least 16 characters',
      retryable: false,
    })
  }
  const secretHeader = settings.webhookSecretHeader ?? DEFAULT_SECRET_HEADER
  const secretParam = settings.webhookSecretParam ?? DEFAULT_SECRET_PARAM
  const webhookFields = settings.webhookFields as CloudTalkWebhookFieldMap | undefined
  const campaigns = new Map(
    Object.entries(settings.campaigns ?? {}).map(([agent, campaign]) => [
      agent,
      typeof campaign === 'string' ? { tag: campaign } : campaign,
    ]),
  )
  const campaignTags = [...new Set([...campaigns.values()].map((campaign) => campaign.tag))]
  const clockSkewMs = settings.clockSkewMs ?? DEFAULTS.clockSkewMs
  const pollAfterMs =
    settings.historyPollAfterMs === undefined ? DEFAULTS.historyPollAfterMs : settings.historyPollAfterMs
  const pollIntervalMs = settings.historyPollIntervalMs ?? DEFAULTS.historyPollIntervalMs
  const pollMaxMs = settings.historyPollMaxMs ?? DEFAULTS.historyPollMaxMs
  const logger = settings.logger
  const limiter =
    settings.rateLimiter ??
    createCloudTalkRateLimiter(
      settings.requestsPerMinute === undefined ? {} : { limit: settings.requestsPerMinute },
    )
  const closer = new AbortController()
  // Every request in flight listens to it (one listener each, removed when it ends): no limit.
  setMaxListeners(0, closer.signal)
  let resolved: CloudTalkCredentials | undefined
  let sink: CallEventSink | undefined
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let pollTimerAt = Number.POSITIVE_INFINITY
  let pollChain: Promise<unknown> = Promise.resolve()

  function credentials(): CloudTalkCredentials {
    if (resolved) return resolved
    const accessKeyId = settings.accessKeyId ?? env('CLOUDTALK_ACCESS_KEY_ID')
    const accessKeySecret = settings.accessKeySecret ?? env('CLOUDTALK_ACCESS_KEY_SECRET')
    if (accessKeyId === undefined || accessKeySecret === undefined) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message:
          'CloudTalk needs API keys: pass accessKeyId and accessKeySecret, or set CLOUDTALK_ACCESS_KEY_ID and CLOUDTALK_ACCESS_KEY_SECRET',
        retryable: false,
      })
    }
    resolved = { accessKeyId, accessKeySecret }
    return resolved
  }

  function secrets(): string[] {
    const list: string[] = []
    if (webhookSecret) list.push(webhookSecret)
    const secret = resolved?.accessKeySecret ?? settings.accessKeySecret ?? env('CLOUDTALK_ACCESS_KEY_SECRET')
    if (secret) list.push(secret)
    if (resolved) {
      const bytes = new TextEncoder().encode(`${resolved.accessKeyId}:${resolved.accessKeySecret}`)
      let binary = ''
      for (const byte of bytes) binary += String.fromCharCode(byte)
      list.push(btoa(binary))
    }
    return list
  }

  const api = createCloudTalkApi({
    baseUrl,
    timeoutMs,
    retries: settings.retries ?? DEFAULTS.retries,
    credentials,
    secrets,
    limiter,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  })
  const contacts = createContacts({
    api,
    contactTags: settings.contactTags ?? [],
    updateExisting: settings.updateExistingContacts ?? true,
    ensureTags: settings.ensureCampaignTags ?? true,
    cacheMs: settings.contactCacheMs ?? DEFAULTS.contactCacheMs,
  })
  const presence = createPresence({
    api,
    limiter,
    cacheMs: settings.presenceCacheMs ?? DEFAULTS.presenceCacheMs,
    maxStaleMs: Math.max(120_000, 4 * (settings.presenceCacheMs ?? DEFAULTS.presenceCacheMs)),
  })
  const correlator = createCorrelator({
    clockSkewMs,
    retentionMs: Math.max(
      settings.correlationWindowMs ?? DEFAULTS.correlationWindowMs,
      pollMaxMs,
      6 * 3_600_000,
    ),
    maxRecords: 10_000,
  })

  /** The caller's signal combined with the provider's own, which `close()` aborts. */
  function signalOf(options: ProviderCallOptions | undefined): AbortSignal {
    const own = options?.signal
    own?.throwIfAborted()
    if (closer.signal.aborted) throw closer.signal.reason
    return own ? AbortSignal.any([own, closer.signal]) : closer.signal
  }

  function warn(fields: Record<string, unknown>, message: string): void {
    logger?.warn({ provider: name, ...fields }, redact(message, secrets()))
  }

  /** The CloudTalk agent id of the dial's agent, when it has one. */
  function agentIdOf(request: DialRequest): string | undefined {
    const ref = request.agent.providerRefs?.[name]
    if (ref === undefined || ref === '') return undefined
    if (!/^\d{1,18}$/.test(ref)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `agent.providerRefs.${name} must be the agent's numeric CloudTalk id`,
        details: {
          issues: [{ path: `agent.providerRefs.${name}`, message: 'Expected a CloudTalk agent id' }],
        },
        retryable: false,
      })
    }
    return ref
  }

  function checkDial(request: DialRequest): CloudTalkDialMode {
    const mode = request.mode ?? defaultMode
    if (mode === 'lead_first') {
      throw unsupported('leadFirstDial', 'lead-first dials (CloudTalk always rings the agent first)')
    }
    if (mode === 'campaign' && campaigns.size === 0) {
      throw unsupported('campaignMode', 'campaign mode without campaigns (set the campaigns option)')
    }
    if (request.record) throw unsupported('recording', 'recording on request (set it on CloudTalk numbers)')
    if (request.machineDetection) throw unsupported('machineDetection', 'answering machine detection')
    const checked = DialRequestCheck.safeParse(request)
    if (!checked.success) throw invalid('dial request', checked.error)
    return mode === 'campaign' ? 'campaign' : 'agent_first'
  }

  async function precheck(agentId: string, signal: AbortSignal): Promise<void> {
    const answer = await api.request(
      {
        name: 'check agent',
        method: 'get',
        path: '/agents/index.json',
        query: { id: agentId },
        schema: CloudTalkAgentsEnvelopeSchema,
        priority: 'dial',
        kind: 'read',
      },
      signal,
    )
    const agent = answer.responseData.data.find((item) => item.Agent.id === agentId)?.Agent
    const refuse = (code: 'AGENT_NOT_AVAILABLE' | 'AGENT_BUSY', reason: string, message: string) =>
      new LeadCallError(code, {
        message: `CloudTalk agent ${agentId} ${message}`,
        details: { agentId, reason },
      })
    if (!agent) throw refuse('AGENT_NOT_AVAILABLE', 'unknown_agent', 'is unknown: check agent.providerRefs')
    const status = (agent.availability_status ?? '').toLowerCase()
    if (status === 'calling') throw refuse('AGENT_BUSY', 'calling', 'is already calling')
    if (status !== 'online')
      throw refuse('AGENT_NOT_AVAILABLE', status || 'unknown', `is ${status || 'not online'}`)
    if (agent.status_outbound === false) {
      throw refuse('AGENT_NOT_AVAILABLE', 'outbound_disabled', 'may not place outbound calls')
    }
    if (agent.is_daily_limit_ok === false) {
      throw refuse('AGENT_NOT_AVAILABLE', 'daily_limit', 'has reached the daily price limit')
    }
  }

  async function directDial(request: DialRequest, signal: AbortSignal): Promise<DialResult> {
    const agentId = agentIdOf(request)
    if (agentId === undefined) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `CloudTalk calls agents by their CloudTalk id: set agent.providerRefs.${name}`,
        details: {
          issues: [{ path: `agent.providerRefs.${name}`, message: 'Required by the CloudTalk adapter' }],
        },
        retryable: false,
      })
    }
    if (settings.precheckAgent) await precheck(agentId, signal)
    // Remembered before the request: a webhook may arrive before CloudTalk's answer does.
    const record = correlator.register({
      attemptId: request.attemptId,
      processId: request.processId,
      agentId,
      number: request.lead.phone,
      dialedAt: Date.now(),
      mode: 'agent_first',
      windowMs: settings.correlationWindowMs ?? DEFAULTS.correlationWindowMs,
    })
    try {
      const answer = await api.request(
        {
          name: 'create call',
          method: 'post',
          path: '/calls/create.json',
          json: { agent_id: Number(agentId), callee_number: request.lead.phone },
          schema: CloudTalkStatusEnvelopeSchema,
          priority: 'dial',
          kind: 'dial',
          unknownOutcome: true,
        },
        signal,
      )
      record.accepted = true
      schedulePoll()
      return {
        raw: {
          mode: 'agent_first',
          agentId,
          calleeNumber: request.lead.phone,
          status: answer.responseData.status,
        },
      }
    } catch (error) {
      const status = vendorStatusOf(error)
      if (status !== undefined && status < 500) {
        // CloudTalk refused it: no call was placed.
        correlator.remove(record.attemptId)
      } else if (LeadCallError.isInstance(error) && error.code === 'PROVIDER_TIMEOUT') {
        // The call may have been placed: keep correlating, and let the call history tell.
        record.accepted = true
        schedulePoll()
      }
      throw error
    }
  }

  async function campaignDial(request: DialRequest, signal: AbortSignal): Promise<DialResult> {
    const agentId = agentIdOf(request)
    const campaign =
      (agentId === undefined ? undefined : campaigns.get(agentId)) ?? campaigns.get(request.agent.id)
    if (!campaign) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `No CloudTalk campaign for agent ${agentId ?? request.agent.id}: add it to the campaigns option`,
        details: { issues: [{ path: 'campaigns', message: 'No campaign for this agent' }] },
        retryable: false,
      })
    }
    const assignment = await contacts.assignTag(request.lead, campaign.tag, campaignTags, signal)
    correlator.register({
      attemptId: request.attemptId,
      processId: request.processId,
      ...(agentId === undefined ? {} : { agentId }),
      number: request.lead.phone,
      dialedAt: Date.now(),
      mode: 'campaign',
      windowMs: settings.campaignCorrelationWindowMs ?? DEFAULTS.campaignCorrelationWindowMs,
      accepted: true,
    })
    return {
      raw: {
        mode: 'campaign',
        tag: campaign.tag,
        ...(campaign.campaignId === undefined ? {} : { campaignId: campaign.campaignId }),
        ...assignment,
      },
    }
  }

  /** The events of a notice for its dial; remembers that the answer was reported. */
  function eventsOf(notice: CloudTalkCallNotice, record: DialRecord, now: number): CallEvent[] {
    const events = noticeEvents(name, notice, record, now)
    if (events.some((event) => event.type === 'answered')) record.answerReported = true
    return events
  }

  // ------------------------------------------------------------------ call history fallback

  /** Click-to-calls no webhook reported, still worth polling for. */
  function candidates(now: number): DialRecord[] {
    if (pollAfterMs === false) return []
    return correlator
      .records()
      .filter(
        (record) =>
          record.mode === 'agent_first' &&
          record.accepted &&
          !record.ended &&
          record.agentId !== undefined &&
          record.callId === undefined &&
          record.lastNoticeAt === undefined &&
          now <= record.dialedAt + pollMaxMs,
      )
  }

  function dueAt(record: DialRecord): number {
    return Math.max(record.dialedAt + (pollAfterMs === false ? 0 : pollAfterMs), record.nextPollAt ?? 0)
  }

  function schedulePoll(): void {
    if (!sink || closer.signal.aborted || pollAfterMs === false) return
    const now = Date.now()
    const next = Math.min(...candidates(now).map(dueAt))
    if (!Number.isFinite(next)) return
    if (pollTimer !== undefined && pollTimerAt <= next) return
    if (pollTimer !== undefined) clearTimeout(pollTimer)
    pollTimerAt = next
    pollTimer = setTimeout(
      () => {
        pollTimer = undefined
        pollTimerAt = Number.POSITIVE_INFINITY
        pollRound({ signal: closer.signal, all: false })
          .catch((error: unknown) => {
            if (!closer.signal.aborted) warn({ err: String(error) }, 'CloudTalk call history poll failed')
          })
          .finally(schedulePoll)
      },
      Math.max(0, next - now),
    )
    ;(pollTimer as { unref?: () => void }).unref?.()
  }

  async function deliver(events: CallEvent[]): Promise<void> {
    if (!sink) return
    for (const event of events) {
      try {
        await sink(event)
      } catch (error) {
        warn({ err: String(error), attemptId: event.attemptId }, 'The call event sink failed')
      }
    }
  }

  /** One poll round at a time: a timer's and a caller's run one after the other. */
  function pollRound(options: { signal: AbortSignal; all: boolean }): Promise<CallEvent[]> {
    const run = pollChain.then(
      () => pollOnce(options),
      () => pollOnce(options),
    )
    pollChain = run.catch(() => undefined)
    return run
  }

  async function pollOnce(options: { signal: AbortSignal; all: boolean }): Promise<CallEvent[]> {
    const now = Date.now()
    correlator.prune(now)
    const due = candidates(now).filter((record) => options.all || dueAt(record) <= now)
    const byAgent = new Map<string, DialRecord[]>()
    for (const record of due) {
      const list = byAgent.get(record.agentId as string) ?? []
      list.push(record)
      byAgent.set(record.agentId as string, list)
    }
    const events: CallEvent[] = []
    for (const [agentId, records] of [...byAgent].slice(0, MAX_AGENTS_PER_POLL)) {
      for (const record of records) record.nextPollAt = now + pollIntervalMs
      const since = Math.min(...records.map((record) => record.dialedAt)) - clockSkewMs
      // The lead's number is matched here, not filtered by CloudTalk: the format its
      // `public_external` filter expects (with or without `+`) is UNCONFIRMED.
      const answer = await api.request(
        {
          name: 'list calls',
          method: 'get',
          path: '/calls/index.json',
          query: { user_id: agentId, type: 'outgoing', date_from: cloudTalkDate(since), limit: 100 },
          schema: CloudTalkCallsEnvelopeSchema,
          priority: 'history',
          kind: 'read',
        },
        options.signal,
      )
      const finished = answer.responseData.data
        .map((item) => cdrNotice(item.Cdr))
        .filter((notice) => notice.endedAt !== undefined && notice.externalNumber !== undefined)
        .sort((a, b) => (msOf(a.startedAt) ?? 0) - (msOf(b.startedAt) ?? 0))
      for (const notice of finished) {
        const record = correlator.match(
          {
            ...(notice.callId === undefined ? {} : { callId: notice.callId }),
            agentId: notice.agentId ?? agentId,
            ...(notice.externalNumber === undefined ? {} : { number: notice.externalNumber }),
            at: msOf(notice.startedAt) ?? msOf(notice.endedAt) ?? now,
          },
          // Only the calls polled for: another dial's call is that dial's webhooks' business.
          (candidate) => records.includes(candidate),
        )
        if (!record || record.ended) continue
        record.ended = true
        events.push(...eventsOf(notice, record, now))
      }
    }
    await deliver(events)
    return events
  }

  // ------------------------------------------------------------------ webhooks

  async function authenticate(request: Request, options: WebhookOptions | undefined): Promise<void> {
    options?.signal?.throwIfAborted()
    if (webhookSecret === undefined) {
      throw unsupported(
        'signedWebhooks',
        'webhooks without a shared secret (set webhookSecret or CLOUDTALK_WEBHOOK_SECRET)',
      )
    }
    await verifyCloudTalkWebhookSecret(request, {
      secret: webhookSecret,
      header: secretHeader,
      queryParam: secretParam,
      ...(options?.url === undefined ? {} : { url: options.url }),
    })
  }

  const capabilities: TelephonyCapabilities = Object.freeze({
    agentFirstDial: true,
    leadFirstDial: false,
    contactSync: true,
    presence: true,
    hangup: false,
    idempotentDial: false,
    campaignMode: campaigns.size > 0,
    recording: false,
    machineDetection: false,
    signedWebhooks: webhookSecret !== undefined,
  })

  const provider: CloudTalkProvider = {
    specificationVersion: 'v1',
    name,
    capabilities,
    rateLimiter: limiter,

    async dial(request: DialRequest, options?: ProviderCallOptions): Promise<DialResult> {
      const signal = signalOf(options)
      const mode = checkDial(request)
      return mode === 'campaign' ? campaignDial(request, signal) : directDial(request, signal)
    },

    async syncContact(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult> {
      return contacts.sync(lead, signalOf(options))
    },

    async bulkSyncContacts(leads, options = {}) {
      const signal = signalOf(options)
      return contacts.bulk(leads, { ...options, signal })
    },

    async listAgentPresence(options?: ProviderCallOptions): Promise<AgentPresenceReport[]> {
      return presence.list(signalOf(options))
    },

    async verifyWebhook(request: Request, options?: WebhookOptions): Promise<void> {
      await authenticate(request, options)
    },

    async parseWebhook(request: Request, options?: WebhookOptions): Promise<CallEvent[]> {
      await authenticate(request, options)
      const { payload, stage } = await readCloudTalkWebhookRequest(request, { queryParam: secretParam })
      const notice = readCloudTalkCallNotice(payload, {
        ...(webhookFields ? { fields: webhookFields } : {}),
        ...(stage === undefined ? {} : { stage }),
      })
      if (!notice) return []
      const now = Date.now()
      correlator.prune(now)
      const record = correlator.match({
        ...(notice.callId === undefined ? {} : { callId: notice.callId }),
        ...(notice.agentId === undefined ? {} : { agentId: notice.agentId }),
        ...(notice.externalNumber === undefined ? {} : { number: notice.externalNumber }),
        at: msOf(notice.startedAt) ?? msOf(notice.at) ?? now,
      })
      if (!record) {
        logger?.debug(
          { provider: name, callId: notice.callId, stage: notice.stage },
          'CloudTalk webhook of a call leadcall did not place (or placed too long ago)',
        )
        return []
      }
      record.lastNoticeAt = now
      if (notice.stage === 'ended') record.ended = true
      return eventsOf(notice, record, now)
    },

    connect(next: CallEventSink): void {
      sink = next
      schedulePoll()
    },

    async pollCallHistory(options: PollCallHistoryOptions = {}): Promise<CallEvent[]> {
      const signal = signalOf(options)
      try {
        return await pollRound({ signal, all: options.all ?? false })
      } finally {
        schedulePoll()
      }
    },

    async close(): Promise<void> {
      if (pollTimer !== undefined) clearTimeout(pollTimer)
      pollTimer = undefined
      if (closer.signal.aborted) return
      closer.abort(
        new LeadCallError('CALL_FAILED', { message: 'The CloudTalk provider is closed', retryable: false }),
      )
    },
  }
  return provider
}
