import type { CallEvent, DialRequest } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { createVirtualScheduler } from './virtual-scheduler.js'
import { callSteps, type VirtualCallPlan, virtualTelephony } from './virtual-telephony.js'

const answers: VirtualCallPlan = {
  agentAnswers: true,
  agentRingMs: 2_000,
  leadResponse: 'answer',
  leadRingMs: 3_000,
  talkMs: 60_000,
}

function request(attemptId: string): DialRequest {
  return {
    attemptId,
    processId: `p-${attemptId}`,
    timeoutMs: 30_000,
    agent: { id: 'a1' },
    lead: { id: 'l1', phone: '+14155550100' },
  } as unknown as DialRequest
}

const shape = (steps: ReturnType<typeof callSteps>) =>
  steps.map((s) => `${s.offsetMs} ${s.event.type}${s.event.party ? `:${s.event.party}` : ''}`)

describe('callSteps', () => {
  it('follows an answered call to its end', () => {
    expect(shape(callSteps(answers, 30_000))).toEqual([
      '0 initiated',
      '0 ringing:agent',
      '2000 ringing:lead',
      '5000 answered:lead',
      '65000 completed',
    ])
  })

  it('ends at the timeout when the agent does not pick up', () => {
    expect(shape(callSteps({ ...answers, agentAnswers: false }, 30_000))).toEqual([
      '0 initiated',
      '0 ringing:agent',
      '30000 no_answer:agent',
    ])
  })

  it('ends busy, or no_answer at the timeout counted from the dial', () => {
    expect(shape(callSteps({ ...answers, leadResponse: 'busy' }, 30_000)).at(-1)).toBe('5000 busy:lead')
    expect(shape(callSteps({ ...answers, leadResponse: 'no_answer' }, 30_000)).at(-1)).toBe(
      '30000 no_answer:lead',
    )
    // An answer that would come after the timeout never comes.
    expect(shape(callSteps({ ...answers, leadRingMs: 28_500 }, 30_000)).at(-1)).toBe('30000 no_answer:lead')
  })
})

describe('virtualTelephony', () => {
  it('emits each event at its virtual time, in order, numbered, ending with the duration', async () => {
    const scheduler = createVirtualScheduler(Date.UTC(2026, 0, 5, 9))
    const events: CallEvent[] = []
    const telephony = virtualTelephony({ scheduler, plan: () => answers })
    telephony.connect((event) => {
      events.push(event)
    })
    const { providerCallId } = await telephony.dial(request('x1'))
    await scheduler.run()
    expect(events.map((e) => [e.type, e.at, e.sequence])).toEqual([
      ['initiated', '2026-01-05T09:00:00.000Z', 1],
      ['ringing', '2026-01-05T09:00:00.000Z', 2],
      ['ringing', '2026-01-05T09:00:02.000Z', 3],
      ['answered', '2026-01-05T09:00:05.000Z', 4],
      ['completed', '2026-01-05T09:01:05.000Z', 5],
    ])
    expect(events.every((e) => e.providerCallId === providerCallId && e.attemptId === 'x1')).toBe(true)
    expect(events.at(-1)?.durationSec).toBe(65)
    expect(telephony.dials).toBe(1)
  })

  it('places one call per attempt, however often it is dialed', async () => {
    const scheduler = createVirtualScheduler(0)
    let plans = 0
    const telephony = virtualTelephony({
      scheduler,
      plan: () => {
        plans++
        return answers
      },
    })
    const first = await telephony.dial(request('same'))
    const again = await telephony.dial(request('same'))
    expect(again.providerCallId).toBe(first.providerCallId)
    expect(plans).toBe(1)
    expect(telephony.dials).toBe(1)
  })

  it('hangs up: canceled before the answer, completed after, and nothing of the plan follows', async () => {
    const scheduler = createVirtualScheduler(0)
    const events: CallEvent[] = []
    const telephony = virtualTelephony({ scheduler, plan: () => answers })
    telephony.connect((event) => {
      events.push(event)
    })
    const ringing = await telephony.dial(request('r'))
    const talking = await telephony.dial(request('t'))
    scheduler.at(1_000, () => void telephony.hangup(ringing.providerCallId ?? ''))
    scheduler.at(10_000, () => void telephony.hangup(talking.providerCallId ?? ''))
    await scheduler.run()
    const of = (id: string | undefined) =>
      events.filter((e) => e.providerCallId === id).map((e) => `${Date.parse(e.at)} ${e.type}`)
    expect(of(ringing.providerCallId)).toEqual(['0 initiated', '0 ringing', '1000 canceled'])
    expect(of(talking.providerCallId)).toEqual([
      '0 initiated',
      '0 ringing',
      '2000 ringing',
      '5000 answered',
      '10000 completed',
    ])
    await expect(telephony.hangup('nope')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 404 })
  })

  it('keeps what the sink threw or rejected with, and stops after close', async () => {
    const scheduler = createVirtualScheduler(0)
    const telephony = virtualTelephony({ scheduler, plan: () => answers })
    let calls = 0
    telephony.connect((event) => {
      calls++
      if (event.type === 'initiated') throw new Error('thrown')
      if (event.type === 'ringing') return Promise.reject(new Error('rejected'))
    })
    await telephony.dial(request('s'))
    scheduler.at(2_500, () => void telephony.close())
    await scheduler.run()
    // initiated, agent ringing, lead ringing; nothing after the close at 2.5 s.
    expect(calls).toBe(3)
    expect(telephony.sinkErrors.map((e) => (e as Error).message)).toEqual(['thrown', 'rejected', 'rejected'])
    await expect(telephony.dial(request('late'))).rejects.toMatchObject({ code: 'CALL_FAILED' })
  })
})
