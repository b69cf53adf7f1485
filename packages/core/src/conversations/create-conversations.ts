import type { CrmAdapterV1 } from '../crm/crm-adapter.js'
import type { Lead } from '../domain/lead.js'
import type { CountryCode } from '../domain/phone.js'
import { maskPhone, normalizePhone } from '../domain/phone.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { EventBus } from '../events/event-bus.js'
import type { Logger } from '../logging/logger.js'
import { createJobScheduler } from '../pipeline/job-scheduler.js'
import type { SubmitLeadOptions, SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import type { ClassifierV1, ConversationMessage } from '../qualification/classifier.js'
import type { AtomicCheck, AtomicMutation, StorageEntry, StorageV1 } from '../storage/storage-v1.js'
import { handOff } from './conversation-handoff.js'
import { conversationKeys as keys } from './conversation-keys.js'
import { counterMutations, isActive, metric, readConversationAnalytics } from './conversation-stats.js'
import type {
  Conversation,
  ConversationLead,
  ConversationsApi,
  InboundMessage,
  ReceiveResult,
} from './conversation-types.js'
import type { ConversationsConfigSchema } from './conversations-config.js'

/** What {@link createConversations} needs from the app. */
export interface ConversationsDeps {
  storage: StorageV1
  ns: string
  now: () => number
  events: EventBus
  logger: Logger
  classifier: ClassifierV1
  crm: CrmAdapterV1 | undefined
  config: import('zod').output<typeof ConversationsConfigSchema>
  defaultCountry: CountryCode
  maskPii: boolean
  submitLead: ((input: unknown, options?: SubmitLeadOptions) => Promise<SubmitLeadResult>) | undefined
  normalizeLead: (input: unknown) => Lead
  /** How often the durable hand-off retries are polled for jobs other processes scheduled (ms). */
  pollMs: number
}

/** `app.conversations` and the lifecycle of its durable hand-off retries. */
export interface ConversationsService {
  api: ConversationsApi
  /** Starts running the hand-off retries that are due (a no-op when nothing can be handed off). */
  start(): void
  /** Stops the timers of the hand-off retries. */
  stop(): void
}

/** A durable retry of the hand-off of one contact's lead. */
interface HandoffJob {
  type: 'handoff'
  phone: string
}

/** The storage queue of the hand-off retries. */
const HANDOFF_QUEUE = 'conversation-jobs'
/** How long a hand-off retry is leased: a worker that dies while running it gives it back after it. */
const HANDOFF_LEASE_MS = 120_000
const handoffJobId = (phone: string) => `handoff:${phone}`

/** How often a commit is retried when another message of the same contact committed first. */
const MAX_COMMIT_ATTEMPTS = 8
const CHANNEL = /^[a-z][a-z0-9_-]{0,31}$/
const MAX_MESSAGE_ID_LENGTH = 200

function invalid(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message })
}

/** `whatsapp:+34…` → `+34…`; other addresses are read as they are. */
function stripChannelPrefix(address: string): string {
  const colon = address.indexOf(':')
  return colon > 0 && colon < 16 && /^[a-z]+$/i.test(address.slice(0, colon))
    ? address.slice(colon + 1)
    : address
}

/** Creates `app.conversations`: per-contact qualification state in storage. */
export function createConversations(deps: ConversationsDeps): ConversationsService {
  const { storage, ns, config } = deps
  const iso = (ms: number) => new Date(ms).toISOString()
  const shown = (phone: string) => (deps.maskPii ? maskPhone(phone) : phone)
  const submitLead = config.callHotLeads ? deps.submitLead : undefined
  /** Whether a hand-off has anything to do (else it completes at once and never needs a retry). */
  const handsOff = deps.crm !== undefined || submitLead !== undefined
  const jobs = createJobScheduler<HandoffJob>({
    storage,
    ns,
    now: deps.now,
    leaseMs: HANDOFF_LEASE_MS,
    pollMs: deps.pollMs,
    queue: HANDOFF_QUEUE,
    run: (job) => retryHandoff(job.phone),
    onError: (error, job) =>
      deps.logger.warn({ contact: shown(job.phone), err: error }, 'conversation hand-off retry failed'),
  })

  /** Runs a due retry: the lead is handed off again unless it was done meanwhile. */
  async function retryHandoff(phone: string): Promise<void> {
    const entry = await storage.get<Conversation>(ns, keys.conversation(phone))
    const lead = entry?.value.lead
    if (!entry || lead === undefined || lead.status === 'created') return
    await settleLead(entry.value, lead, undefined)
  }

  /**
   * Keeps a durable retry of the hand-off due after `delay` (replacing one already there), so that
   * neither a refusal nor a crash in the middle of the hand-off leaves the lead waiting for a next
   * message that may never come.
   */
  function scheduleHandoff(phone: string, delay: number): Promise<void> {
    return jobs.schedule(handoffJobId(phone), { type: 'handoff', phone }, deps.now() + delay)
  }

  function phoneOf(raw: unknown): string {
    if (typeof raw !== 'string') throw new LeadCallError('MISSING_PHONE')
    return normalizePhone(stripChannelPrefix(raw.trim()), { defaultCountry: deps.defaultCountry }).e164
  }

  function readMessage(message: InboundMessage): {
    phone: string
    channel: string
    text: string
    id: string | undefined
    at: number
    profileName: string | undefined
  } {
    if (typeof message !== 'object' || message === null) throw invalid('Invalid message: expected an object')
    const phone = phoneOf(message.from)
    const channel = message.channel ?? 'whatsapp'
    if (typeof channel !== 'string' || !CHANNEL.test(channel))
      throw invalid('Invalid message: channel must be a short lower-case name such as whatsapp')
    if (typeof message.text !== 'string') throw invalid('Invalid message: text must be a string')
    const text = message.text.trim()
    if (text.length > config.maxMessageLength)
      throw invalid(`Invalid message: text is longer than ${config.maxMessageLength} characters`)
    const id = message.id
    if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > MAX_MESSAGE_ID_LENGTH))
      throw invalid('Invalid message: id must be a non-empty string of at most 200 characters')
    const at = message.at === undefined ? deps.now() : new Date(message.at).getTime()
    if (!Number.isFinite(at)) throw invalid('Invalid message: at must be a date')
    const profileName =
      typeof message.profileName === 'string' && message.profileName.trim() !== ''
        ? message.profileName.trim().slice(0, 200)
        : undefined
    return { phone, channel, text, id, at, profileName }
  }

  const trim = (messages: ConversationMessage[]) =>
    messages.length > config.maxMessages ? messages.slice(messages.length - config.maxMessages) : messages

  /** Read-modify-write of a conversation's lead, retried on conflicts; false when it is gone. */
  async function saveLead(
    phone: string,
    lead: ConversationLead,
    signal: AbortSignal | undefined,
  ): Promise<Conversation | null> {
    const key = keys.conversation(phone)
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const entry = await storage.get<Conversation>(ns, key, { signal })
      if (entry === null) return null
      const current = entry.value
      const becameCreated = lead.status === 'created' && current.lead?.status !== 'created'
      const next: Conversation = { ...current, lead }
      const at = deps.now()
      const mutations: AtomicMutation[] = [{ type: 'set', key, value: next, ttlMs: ttlFrom(entry) }]
      if (becameCreated)
        mutations.push(
          ...counterMutations(at, {
            [metric.completed]: 1,
            [metric.msToLeadSum]: Math.max(0, Date.parse(lead.decidedAt) - Date.parse(current.startedAt)),
            [metric.leadQuality(lead.quality)]: 1,
          }),
        )
      const result = await storage.atomic(
        ns,
        { checks: [{ key, version: entry.version }], mutations },
        { signal },
      )
      if (result.ok) return next
    }
    throw new LeadCallError('RATE_LIMITED', {
      message: 'The conversation changed too often to record its lead; it is retried with the next message',
    })
  }

  /** Keeps the TTL a conversation had (its clock restarts with messages, not with lead updates). */
  function ttlFrom(entry: StorageEntry<Conversation>): number {
    return entry.expiresAt === undefined ? config.ttlMs : Math.max(1000, entry.expiresAt - deps.now())
  }

  async function receive(
    message: InboundMessage,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReceiveResult> {
    const { signal } = options
    signal?.throwIfAborted()
    const input = readMessage(message)
    const key = keys.conversation(input.phone)
    const seenKey = input.id === undefined ? undefined : keys.seenMessage(input.channel, input.id)

    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const [entry, seen] = await storage.getMany<Conversation>(
        ns,
        seenKey === undefined ? [key] : [key, seenKey],
        { signal },
      )
      if (seen) return { duplicate: true, conversation: entry?.value ?? null }
      const current = entry?.value
      const at = iso(input.at)
      const userMessage: ConversationMessage = { role: 'user', text: input.text, at }
      if (input.id !== undefined) userMessage.id = input.id
      const history = trim([...(current?.messages ?? []), userMessage])
      const profileName = input.profileName ?? current?.profileName
      const classification = await deps.classifier.classify(
        {
          messages: history,
          lead:
            profileName === undefined ? { phone: input.phone } : { phone: input.phone, name: profileName },
          ...(current?.classification ? { language: current.classification.language } : {}),
        },
        { signal },
      )

      let lead = current?.lead
      let status = current?.status ?? 'active'
      if (lead === undefined && status === 'active') {
        if (classification.nextAction === 'create_lead') {
          lead = { status: 'pending', quality: classification.quality, decidedAt: at, attempts: 0 }
          status = 'completed'
        } else if (classification.nextAction === 'transfer_to_support') status = 'transferred'
      }
      const reply = classification.question.trim() === '' ? undefined : classification.question.trim()
      const messages =
        reply === undefined ? history : trim([...history, { role: 'assistant', text: reply, at }])
      const next: Conversation = {
        phone: input.phone,
        channel: current?.channel ?? input.channel,
        status,
        startedAt: current?.startedAt ?? at,
        updatedAt: at,
        messages,
        classification,
      }
      if (profileName !== undefined) next.profileName = profileName
      if (lead !== undefined) next.lead = lead

      const checks: AtomicCheck[] = [{ key, version: entry?.version ?? null }]
      const mutations: AtomicMutation[] = [{ type: 'set', key, value: next, ttlMs: config.ttlMs }]
      if (seenKey !== undefined) {
        checks.push({ key: seenKey, version: null })
        mutations.push({ type: 'set', key: seenKey, value: input.phone, ttlMs: config.ttlMs })
      }
      mutations.push(
        ...counterMutations(input.at, {
          [metric.messages]: 1,
          [metric.quality(classification.quality)]: 1,
          [metric.action(classification.nextAction)]: 1,
          [metric.started]: current === undefined ? 1 : 0,
          [metric.transferred]: status === 'transferred' && current?.status !== 'transferred' ? 1 : 0,
          [metric.fallbacks]: classification.fallback === undefined ? 0 : 1,
        }),
      )
      // The safety net first: if this process dies between the commit and the end of the hand-off,
      // the retry finds the lead still waiting and hands it off.
      const firstDelay = config.handoffRetryMs[0]
      if (handsOff && firstDelay !== undefined && lead !== undefined && lead.status !== 'created')
        await scheduleHandoff(input.phone, firstDelay)
      const committed = await storage.atomic(ns, { checks, mutations }, { signal })
      if (!committed.ok) continue // another message of this contact came first: read it and decide again

      deps.events.emit('conversation.message', {
        contact: shown(input.phone),
        channel: next.channel,
        quality: classification.quality,
        nextAction: classification.nextAction,
        classifier: classification.classifier,
        at,
      })
      let conversation: Conversation | null = next
      if (next.lead !== undefined && next.lead.status !== 'created')
        conversation = await settleLead(next, next.lead, signal)
      const result: ReceiveResult = { duplicate: false, classification, conversation }
      if (reply !== undefined) result.reply = reply
      return result
    }
    throw new LeadCallError('RATE_LIMITED', {
      message: 'Too many messages of this contact at once; send the message again',
    })
  }

  async function settleLead(
    conversation: Conversation,
    lead: ConversationLead,
    signal: AbortSignal | undefined,
  ): Promise<Conversation | null> {
    const done = await handOff(
      { crm: deps.crm, submitLead, normalizeLead: deps.normalizeLead, source: config.source },
      conversation,
      lead,
      signal,
    )
    delete done.retryAt
    if (handsOff) {
      // Done: the retry is not needed. Refused: the next one, while delays are left.
      const delay = done.status === 'created' ? undefined : config.handoffRetryMs[done.attempts - 1]
      if (delay === undefined) await jobs.cancel(handoffJobId(conversation.phone))
      else {
        await scheduleHandoff(conversation.phone, delay)
        done.retryAt = iso(deps.now() + delay)
      }
    }
    const saved = await saveLead(conversation.phone, done, signal)
    const event: Parameters<typeof deps.events.emit<'conversation.lead'>>[1] = {
      contact: shown(conversation.phone),
      status: done.status === 'created' ? 'created' : 'failed',
      quality: done.quality,
      at: iso(deps.now()),
    }
    if (done.crm !== undefined) event.crmId = done.crm.id
    if (done.call !== undefined) event.processId = done.call.processId
    if (done.error !== undefined) event.error = done.error
    if (done.status !== 'created')
      deps.logger.warn(
        { contact: shown(conversation.phone), code: done.error?.code, retryAt: done.retryAt },
        done.retryAt === undefined
          ? 'conversation lead not handed off; no retry left, tried again with the next message'
          : 'conversation lead not handed off; tried again at retryAt, or with the next message',
      )
    deps.events.emit('conversation.lead', event)
    return saved
  }

  async function countActive(signal: AbortSignal | undefined): Promise<number> {
    let active = 0
    let cursor: string | undefined
    do {
      const page = await storage.list<Conversation>(ns, {
        prefix: keys.conversationPrefix,
        limit: 500,
        signal,
        ...(cursor === undefined ? {} : { cursor }),
      })
      for (const entry of page.entries) if (isActive(entry.value)) active++
      cursor = page.cursor
    } while (cursor !== undefined)
    return active
  }

  const api: ConversationsApi = {
    receive,
    async get(phone, options = {}) {
      const entry = await storage.get<Conversation>(ns, keys.conversation(phoneOf(phone)), options)
      return entry?.value ?? null
    },
    async history(phone, options = {}) {
      const entry = await storage.get<Conversation>(ns, keys.conversation(phoneOf(phone)), options)
      return entry?.value.messages ?? []
    },
    async reset(phone, options = {}) {
      const key = keys.conversation(phoneOf(phone))
      const entry = await storage.get<Conversation>(ns, key, options)
      if (entry === null) return false
      await storage.atomic(ns, { mutations: [{ type: 'delete', key }] }, options)
      return true
    },
    async analytics(query = {}) {
      const result = await readConversationAnalytics(storage, ns, deps.now(), query, () =>
        countActive(query.signal),
      )
      if (!result.ok) throw invalid(`Invalid analytics query: ${result.message}`)
      return result.value
    },
  }
  return {
    api,
    start() {
      if (handsOff) jobs.start()
    },
    stop() {
      jobs.stop()
    },
  }
}
