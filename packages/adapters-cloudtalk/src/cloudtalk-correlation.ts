/**
 * Correlation of CloudTalk calls with leadcall's dial attempts. `POST /calls/create.json` returns
 * no call id, so the provider keeps a small in-memory map of its recent dials (attempt, CloudTalk
 * agent id, lead number, time) and matches each webhook or call record to one of them; a call id
 * once matched stays bound to its attempt, so later and repeated deliveries map the same way.
 * Also turns a {@link CloudTalkCallNotice} into leadcall call events.
 *
 * @module
 */
import type { CallEvent } from '@leadcall/core/provider'
import type { CloudTalkCdr } from './cloudtalk-schemas.js'
import type { CloudTalkCallNotice } from './cloudtalk-webhook.js'
import { parseCloudTalkTime } from './cloudtalk-webhook.js'

/** One dial the provider placed (or handed to a campaign), kept for correlation. @internal */
export interface DialRecord {
  /** leadcall's attempt id. */
  attemptId: string
  /** leadcall's process id. */
  processId: string
  /** The CloudTalk agent id, when known. */
  agentId?: string
  /** The lead's number, digits only. */
  digits: string
  /** The lead's number as dialed (E.164). */
  number: string
  /** When the dial was sent (`Date.now()`). */
  dialedAt: number
  /** Direct click-to-call, or a contact tagged for a campaign. */
  mode: 'agent_first' | 'campaign'
  /** How long after `dialedAt` a call may still be matched to it. */
  windowMs: number
  /** CloudTalk's call id, once a webhook or a call record named it. */
  callId?: string
  /** When the last webhook of this call arrived. */
  lastNoticeAt?: number
  /** CloudTalk accepted the dial (or its outcome is unknown): its call history may be polled. */
  accepted: boolean
  /** The call ended (a webhook or the call history said so). */
  ended: boolean
  /** An `answered` event was already reported for the call. */
  answerReported?: boolean
  /** The earliest time the call history may be polled for it again. */
  nextPollAt?: number
}

/** What a notice or call record offers to match a dial. @internal */
export interface CorrelationKey {
  /** CloudTalk's call id. */
  callId?: string
  /** The CloudTalk agent id. */
  agentId?: string
  /** The lead's number as CloudTalk sent it. */
  number?: string
  /** When the call started, else when the notice was sent or received (`Date.now()` time). */
  at: number
}

/** The digits of a phone number (`+1 (415) 555-0199` → `14155550199`). @internal */
export function digitsOf(number: string): string {
  return number.replace(/\D/g, '')
}

/**
 * True when two numbers are the same: equal digits, or one ending with the other with at least 8
 * digits in common (CloudTalk may drop the `+`, the country code or add `00`).
 * @internal
 */
export function sameNumber(a: string, b: string): boolean {
  const x = digitsOf(a)
  const y = digitsOf(b)
  if (x === '' || y === '') return false
  if (x === y) return true
  const [short, long] = x.length < y.length ? [x, y] : [y, x]
  return short.length >= 8 && long.endsWith(short)
}

/** Options of {@link createCorrelator}. @internal */
export interface CorrelatorOptions {
  /** How early a call may start before its dial was sent, for clock differences (ms). */
  clockSkewMs: number
  /** How long a dial and its bound call id are remembered after the dial (ms). */
  retentionMs: number
  /** The most dials remembered; the oldest go first. */
  maxRecords: number
}

/** The in-memory map of recent dials. @internal */
export interface Correlator {
  /** Remembers a dial. */
  register(record: Omit<DialRecord, 'digits' | 'ended' | 'accepted'> & { accepted?: boolean }): DialRecord
  /** Forgets a dial (CloudTalk refused it: no call was placed). */
  remove(attemptId: string): void
  /** The dial of an attempt. */
  get(attemptId: string): DialRecord | undefined
  /**
   * The dial a call belongs to: the one its call id is bound to, else the most recent unbound dial
   * of the same agent and number whose window holds the call's time, among those `accept` takes
   * (default: all). Binds the call id to it.
   */
  match(key: CorrelationKey, accept?: (record: DialRecord) => boolean): DialRecord | undefined
  /** Every remembered dial, oldest first. */
  records(): DialRecord[]
  /** Forgets dials older than their retention. */
  prune(now: number): void
  /** How many dials are remembered. */
  readonly size: number
}

/** Creates the map of recent dials. @internal */
export function createCorrelator(options: CorrelatorOptions): Correlator {
  const dials = new Map<string, DialRecord>()
  const byCallId = new Map<string, string>()

  function drop(record: DialRecord): void {
    dials.delete(record.attemptId)
    if (record.callId !== undefined && byCallId.get(record.callId) === record.attemptId) {
      byCallId.delete(record.callId)
    }
  }

  const correlator: Correlator = {
    get size() {
      return dials.size
    },

    register(input) {
      const record: DialRecord = {
        ...input,
        digits: digitsOf(input.number),
        accepted: input.accepted ?? false,
        ended: false,
      }
      const previous = dials.get(record.attemptId)
      if (previous) drop(previous)
      dials.set(record.attemptId, record)
      while (dials.size > options.maxRecords) {
        const oldest = dials.values().next().value
        if (!oldest) break
        drop(oldest)
      }
      return record
    },

    remove(attemptId) {
      const record = dials.get(attemptId)
      if (record) drop(record)
    },

    get(attemptId) {
      return dials.get(attemptId)
    },

    match(key, accept = () => true) {
      if (key.callId !== undefined) {
        const bound = byCallId.get(key.callId)
        const record = bound === undefined ? undefined : dials.get(bound)
        if (record) return accept(record) ? record : undefined
      }
      if (key.number === undefined) return undefined
      const number = key.number
      let best: DialRecord | undefined
      for (const record of dials.values()) {
        if (!accept(record)) continue
        // A dial bound to another call is taken; a notice without a call id may still be its.
        if (record.callId !== undefined && key.callId !== undefined && record.callId !== key.callId) continue
        if (key.agentId !== undefined && record.agentId !== undefined && key.agentId !== record.agentId)
          continue
        if (!sameNumber(record.number, number)) continue
        if (key.at < record.dialedAt - options.clockSkewMs) continue
        if (key.at > record.dialedAt + record.windowMs) continue
        // The most recent dial placed before the call started (within the clock skew).
        if (!best || record.dialedAt >= best.dialedAt) best = record
      }
      if (best && key.callId !== undefined && best.callId === undefined) {
        best.callId = key.callId
        byCallId.set(key.callId, best.attemptId)
      }
      return best
    },

    records() {
      return [...dials.values()]
    },

    prune(now) {
      for (const record of [...dials.values()]) {
        if (now - record.dialedAt > Math.max(options.retentionMs, record.windowMs)) drop(record)
      }
    },
  }
  return correlator
}

/** The order of CloudTalk's stages, given to events as their `sequence`. */
const SEQUENCE = { initiated: 0, ringing: 1, answered: 2, ended: 3 } as const

function ms(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined
  const value = Date.parse(iso)
  return Number.isFinite(value) ? value : undefined
}

/**
 * The call events of a notice, for the dial it matched, in the order they happened:
 *
 * - `started` → `initiated`;
 * - `ringing` (Ringing on Agent) → `ringing` of the agent's leg;
 * - `answered` (the contact picked up) → `answered` of the lead's leg;
 * - `ended` → `completed` for an answered call, preceded by `answered` (lead's leg, at the answer
 *   time) unless the answer was already reported (the Call Answered trigger is optional); else
 *   `no_answer`, `busy`, `failed` or `canceled`, without a leg: CloudTalk does not say whether the
 *   agent or the lead did not answer.
 *
 * Each event carries the attempt and process of the dial, CloudTalk's call id when known, and a
 * `sequence` by stage, so the same request parsed twice gives events with the same identity. Times
 * come from the notice, else `now`.
 * @internal
 */
export function noticeEvents(
  provider: string,
  notice: CloudTalkCallNotice,
  record: Pick<DialRecord, 'attemptId' | 'processId' | 'answerReported'>,
  now: number,
): CallEvent[] {
  const base: Omit<CallEvent, 'type' | 'at'> = {
    provider,
    attemptId: record.attemptId,
    processId: record.processId,
    raw: notice.raw,
  }
  if (notice.callId !== undefined) base.providerCallId = notice.callId
  const fallback = new Date(now).toISOString()
  switch (notice.stage) {
    case 'started':
      return [
        {
          ...base,
          type: 'initiated',
          at: notice.startedAt ?? notice.at ?? fallback,
          sequence: SEQUENCE.initiated,
        },
      ]
    case 'ringing':
      return [
        { ...base, type: 'ringing', party: 'agent', at: notice.at ?? fallback, sequence: SEQUENCE.ringing },
      ]
    case 'answered':
      return [
        {
          ...base,
          type: 'answered',
          party: 'lead',
          at: notice.answeredAt ?? notice.at ?? fallback,
          sequence: SEQUENCE.answered,
        },
      ]
    case 'ended': {
      const endedAt = notice.endedAt ?? notice.at ?? fallback
      const end: CallEvent = { ...base, type: 'completed', at: endedAt, sequence: SEQUENCE.ended }
      const duration = notice.durationSec ?? notice.talkSec
      if (duration !== undefined) end.durationSec = duration
      if (notice.recordingUrl !== undefined) end.recordingUrl = notice.recordingUrl
      const outcome = notice.outcome ?? 'missed'
      if (outcome !== 'answered') {
        end.type = outcome === 'missed' ? 'no_answer' : outcome
        return [end]
      }
      if (record.answerReported) return [end]
      // The answer time: given, else the end minus the talking time, never after the end.
      const endMs = ms(endedAt) ?? now
      const answeredMs =
        ms(notice.answeredAt) ?? (notice.talkSec !== undefined ? endMs - notice.talkSec * 1000 : endMs)
      const answered: CallEvent = {
        ...base,
        type: 'answered',
        party: 'lead',
        at: new Date(Math.min(answeredMs, endMs)).toISOString(),
        sequence: SEQUENCE.answered,
      }
      return [answered, end]
    }
  }
}

/**
 * The notice of an ended call, from its call record (`GET /calls/index.json`): answered when its
 * talking time is above zero (or, without one, when it has an answer time), else missed.
 * @internal
 */
export function cdrNotice(cdr: CloudTalkCdr): CloudTalkCallNotice {
  const notice: CloudTalkCallNotice = { stage: 'ended', callId: cdr.id, raw: { Cdr: cdr } }
  if (cdr.user_id) notice.agentId = cdr.user_id
  if (cdr.public_external) notice.externalNumber = cdr.public_external
  if (cdr.public_internal) notice.internalNumber = cdr.public_internal
  const startedAt = parseCloudTalkTime(cdr.started_at)
  const answeredAt = parseCloudTalkTime(cdr.answered_at)
  const endedAt = parseCloudTalkTime(cdr.ended_at)
  if (startedAt) notice.startedAt = startedAt
  if (answeredAt) notice.answeredAt = answeredAt
  if (endedAt) notice.endedAt = endedAt
  const talk = cdr.talking_time ?? undefined
  if (talk !== undefined) notice.talkSec = talk
  if (cdr.billsec !== undefined && cdr.billsec !== null) notice.durationSec = cdr.billsec
  const link = cdr.recording_link
  if (cdr.recorded === true && typeof link === 'string' && /^https?:\/\//i.test(link) && URL.canParse(link)) {
    notice.recordingUrl = link
  }
  notice.outcome = (talk !== undefined ? talk > 0 : answeredAt !== undefined) ? 'answered' : 'missed'
  return notice
}
