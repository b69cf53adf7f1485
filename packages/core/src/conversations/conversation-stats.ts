import {
  type LeadQuality,
  LeadQualitySchema,
  type NextAction,
  NextActionSchema,
} from '../qualification/classification.js'
import type { AtomicMutation, StorageV1 } from '../storage/storage-v1.js'
import { conversationKeys } from './conversation-keys.js'
import type { Conversation, ConversationAnalytics, ConversationAnalyticsQuery } from './conversation-types.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** The longest period {@link readConversationAnalytics} reads, in days. */
export const MAX_ANALYTICS_DAYS = 366
/** Counters outlive the longest period read. */
const COUNTER_TTL_MS = (MAX_ANALYTICS_DAYS + 2) * DAY_MS

const QUALITIES = LeadQualitySchema.options
const ACTIONS = NextActionSchema.options

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** The counter increments of one event, in the UTC day of `at`. */
export function counterMutations(at: number, metrics: Readonly<Record<string, number>>): AtomicMutation[] {
  const day = utcDay(at)
  return Object.entries(metrics)
    .filter(([, by]) => by !== 0)
    .map(([metric, by]) => ({
      type: 'increment' as const,
      key: conversationKeys.counter(day, metric),
      by,
      ttlMs: COUNTER_TTL_MS,
    }))
}

/** Metric names of the counters. */
export const metric = {
  started: 'started',
  completed: 'completed',
  transferred: 'transferred',
  messages: 'messages',
  fallbacks: 'fallbacks',
  msToLeadSum: 'ms-to-lead-sum',
  quality: (quality: LeadQuality) => `quality:${quality}`,
  leadQuality: (quality: LeadQuality) => `lead-quality:${quality}`,
  action: (action: NextAction) => `action:${action}`,
} as const

function toMs(value: Date | string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const ms = value instanceof Date ? value.getTime() : Date.parse(value)
  return Number.isFinite(ms) ? ms : Number.NaN
}

/** Reads the period's counters (one `getMany`) and counts the live active conversations. */
export async function readConversationAnalytics(
  storage: StorageV1,
  ns: string,
  now: number,
  query: ConversationAnalyticsQuery,
  countActive: () => Promise<number>,
): Promise<{ ok: true; value: ConversationAnalytics } | { ok: false; message: string }> {
  const toMsValue = toMs(query.to, now)
  const fromMsValue = toMs(query.from, toMsValue - 29 * DAY_MS)
  if (Number.isNaN(toMsValue) || Number.isNaN(fromMsValue))
    return { ok: false, message: 'from and to must be ISO 8601 dates' }
  const first = Date.parse(utcDay(fromMsValue))
  const last = Date.parse(utcDay(toMsValue))
  if (first > last) return { ok: false, message: 'from must not be after to' }
  const days: string[] = []
  for (let day = first; day <= last; day += DAY_MS) days.push(utcDay(day))
  if (days.length > MAX_ANALYTICS_DAYS)
    return { ok: false, message: `the period is longer than ${MAX_ANALYTICS_DAYS} days` }

  const names = [
    metric.started,
    metric.completed,
    metric.transferred,
    metric.messages,
    metric.fallbacks,
    metric.msToLeadSum,
    ...QUALITIES.map(metric.quality),
    ...QUALITIES.map(metric.leadQuality),
    ...ACTIONS.map(metric.action),
  ]
  const keyList = days.flatMap((day) => names.map((name) => conversationKeys.counter(day, name)))
  const [entries, active] = await Promise.all([
    storage.getMany<number>(ns, keyList, { signal: query.signal }),
    countActive(),
  ])
  const totals = new Map<string, number>()
  entries.forEach((entry, index) => {
    const name = names[index % names.length] as string
    totals.set(name, (totals.get(name) ?? 0) + (typeof entry?.value === 'number' ? entry.value : 0))
  })
  const total = (name: string) => totals.get(name) ?? 0
  const messages = total(metric.messages)
  const share = (count: number) => (messages === 0 ? 0 : count / messages)
  const started = total(metric.started)
  const completed = total(metric.completed)
  const quality = Object.fromEntries(
    QUALITIES.map((q) => [q, { count: total(metric.quality(q)), share: share(total(metric.quality(q))) }]),
  ) as ConversationAnalytics['quality']
  const nextActions = Object.fromEntries(
    ACTIONS.map((a) => [a, { count: total(metric.action(a)), share: share(total(metric.action(a))) }]),
  ) as ConversationAnalytics['nextActions']
  return {
    ok: true,
    value: {
      period: { from: days[0] as string, to: days[days.length - 1] as string },
      started,
      completed,
      transferred: total(metric.transferred),
      active,
      conversionRate: started === 0 ? 0 : Math.min(1, completed / started),
      averageMsToLead: completed === 0 ? null : Math.round(total(metric.msToLeadSum) / completed),
      messages,
      quality,
      leadsByQuality: Object.fromEntries(
        QUALITIES.map((q) => [q, total(metric.leadQuality(q))]),
      ) as ConversationAnalytics['leadsByQuality'],
      nextActions,
      fallbacks: total(metric.fallbacks),
    },
  }
}

/** True for a conversation that still counts as active. */
export function isActive(conversation: Conversation): boolean {
  return conversation.status === 'active' && conversation.lead === undefined
}
