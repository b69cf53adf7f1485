import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { CallEventSchema } from './call-event.js'
import {
  CALL_TRANSITIONS,
  type CallSession,
  CallSessionSchema,
  type CallStatus,
  CallStatusSchema,
  canTransitionCall,
  createCallSession,
  isTerminalCallStatus,
  TERMINAL_CALL_STATUSES,
  transitionCallSession,
} from './call-session.js'

const T0 = Date.parse('2026-06-19T10:00:00.000Z')
/** ISO time `seconds` after T0. */
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

function newSession(): CallSession {
  return createCallSession({
    id: 'call-1',
    processId: 'proc-1',
    leadId: 'lead-1',
    agentId: 'agent-1',
    provider: 'twilio',
    attemptId: 'att-1',
    mode: 'lead_first',
    at: at(0),
  })
}

/** Applies the statuses in order, one second apart, expecting each to change the session. */
function walk(path: CallStatus[]): CallSession {
  let session = newSession()
  path.forEach((status, index) => {
    if (status === 'queued') return
    const result = transitionCallSession(session, { type: status, at: at(index * 10) })
    expect(result.changed, `${session.status} → ${status}`).toBe(true)
    session = result.session
  })
  return session
}

/** Every path from `queued` to an ending allowed by CALL_TRANSITIONS. */
function allPaths(from: CallStatus = 'queued'): CallStatus[][] {
  const next = CALL_TRANSITIONS[from] as readonly CallStatus[]
  if (next.length === 0) return [[from]]
  return next.flatMap((status) => allPaths(status).map((path) => [from, ...path]))
}

describe('call status model', () => {
  it('has the terminal statuses', () => {
    expect([...TERMINAL_CALL_STATUSES].sort()).toEqual([
      'busy',
      'canceled',
      'completed',
      'failed',
      'no_answer',
    ])
    for (const status of CallStatusSchema.options) {
      expect(isTerminalCallStatus(status)).toBe(
        (TERMINAL_CALL_STATUSES as readonly CallStatus[]).includes(status),
      )
      expect(isTerminalCallStatus(status)).toBe(CALL_TRANSITIONS[status].length === 0)
    }
  })

  it('never moves back or out of an ending', () => {
    const order = ['queued', 'initiated', 'ringing', 'answered']
    for (const from of CallStatusSchema.options) {
      expect(canTransitionCall(from, from)).toBe(false)
      expect(canTransitionCall(from, 'queued')).toBe(false)
      for (const to of CallStatusSchema.options) {
        if (canTransitionCall(from, to) && order.includes(to))
          expect(order.indexOf(to)).toBeGreaterThan(order.indexOf(from))
        if (isTerminalCallStatus(from)) expect(canTransitionCall(from, to)).toBe(false)
      }
    }
  })

  it('ends an answered call only as completed or failed', () => {
    expect(CALL_TRANSITIONS.answered).toEqual(['completed', 'failed'])
    expect(canTransitionCall('answered', 'no_answer')).toBe(false)
    expect(canTransitionCall('answered', 'busy')).toBe(false)
    expect(canTransitionCall('answered', 'canceled')).toBe(false)
  })
})

describe('transitionCallSession', () => {
  const paths = allPaths()

  it('enumerates the allowed paths', () => {
    expect(paths).toContainEqual(['queued', 'initiated', 'ringing', 'answered', 'completed'])
    expect(paths).toContainEqual(['queued', 'initiated', 'answered', 'completed'])
    expect(paths).toContainEqual(['queued', 'failed'])
    expect(paths.length).toBeGreaterThan(20)
  })

  it.each(paths.map((path) => [path.join(' → '), path] as const))('follows %s', (_, path) => {
    const session = walk(path)
    expect(session.status).toBe(path.at(-1))
    expect(session.history.map((entry) => entry.status)).toEqual(path)
    expect(session.endedAt).toBe(at((path.length - 1) * 10))
    expect(CallSessionSchema.parse(session)).toEqual(session)
  })

  it('records timestamps, durations and the hang-up', () => {
    let session = newSession()
    session = transitionCallSession(session, {
      type: 'initiated',
      at: at(1),
      providerCallId: 'CA123',
    }).session
    session = transitionCallSession(session, { type: 'ringing', at: at(3) }).session
    session = transitionCallSession(session, { type: 'answered', at: at(10) }).session
    session = transitionCallSession(session, {
      type: 'completed',
      at: at(70),
      hangupCause: 'NORMAL_CLEARING',
      recordingUrl: 'https://api.example.com/rec/1.mp3',
    }).session
    expect(session).toMatchObject({
      status: 'completed',
      providerCallId: 'CA123',
      initiatedAt: at(1),
      ringingAt: at(3),
      answeredAt: at(10),
      endedAt: at(70),
      durationSec: 69,
      talkSec: 60,
      hangupCause: 'NORMAL_CLEARING',
      recordingUrl: 'https://api.example.com/rec/1.mp3',
    })
    expect(session.errorCode).toBeUndefined()
  })

  it('prefers the provider duration and marks failures', () => {
    let session = transitionCallSession(newSession(), { type: 'initiated', at: at(1) }).session
    session = transitionCallSession(session, { type: 'no_answer', at: at(31), durationSec: 29 }).session
    expect(session).toMatchObject({ status: 'no_answer', durationSec: 29, talkSec: 0 })
    const failed = transitionCallSession(newSession(), { type: 'failed', at: at(2) }).session
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'CALL_FAILED', durationSec: 2 })
  })

  it('does not change the session given', () => {
    const session = newSession()
    const copy = structuredClone(session)
    const result = transitionCallSession(session, { type: 'ringing', at: at(1) })
    expect(session).toEqual(copy)
    expect(result.session).not.toBe(session)
  })

  it('ignores a duplicate event', () => {
    const ringing = walk(['queued', 'initiated', 'ringing'])
    const result = transitionCallSession(ringing, { type: 'ringing', at: at(25) })
    expect(result.changed).toBe(false)
    expect(result.session).toBe(ringing)
  })

  it('ignores a late ringing after answered', () => {
    const answered = walk(['queued', 'initiated', 'answered'])
    const result = transitionCallSession(answered, { type: 'ringing', at: at(5) })
    expect(result).toEqual({ session: answered, changed: false })
    expect(result.session.ringingAt).toBeUndefined()
  })

  it('never leaves an ending', () => {
    for (const ending of TERMINAL_CALL_STATUSES) {
      const ended = transitionCallSession(newSession(), { type: ending, at: at(1) }).session
      for (const type of CallStatusSchema.exclude(['queued']).options) {
        const result = transitionCallSession(ended, { type, at: at(2) })
        expect(result.changed, `${ending} → ${type}`).toBe(false)
        expect(result.session).toBe(ended)
      }
    }
  })

  it('refuses an event of another call', () => {
    const session = transitionCallSession(newSession(), {
      type: 'initiated',
      at: at(1),
      providerCallId: 'CA1',
    }).session
    for (const other of [{ providerCallId: 'CA2' }, { attemptId: 'att-2' }, { processId: 'proc-2' }]) {
      try {
        transitionCallSession(session, { type: 'ringing', at: at(2), ...other })
        expect.unreachable()
      } catch (error) {
        expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
      }
    }
  })

  it('applies a full provider event', () => {
    const event = CallEventSchema.parse({
      provider: 'twilio',
      type: 'answered',
      providerCallId: 'CA9',
      attemptId: 'att-1',
      at: at(4),
      answeredBy: 'human',
      sequence: 3,
      raw: { CallStatus: 'in-progress' },
    })
    const result = transitionCallSession(newSession(), event)
    expect(result.changed).toBe(true)
    expect(result.session).toMatchObject({ status: 'answered', answeredAt: at(4), providerCallId: 'CA9' })
  })
})

describe('CallEventSchema', () => {
  it('refuses queued, which is no provider event', () => {
    expect(CallEventSchema.safeParse({ provider: 'twilio', type: 'queued', at: at(0) }).success).toBe(false)
    expect(
      CallEventSchema.safeParse({ provider: 'twilio', type: 'busy', at: at(0), sipCode: 486 }).success,
    ).toBe(true)
  })
})
