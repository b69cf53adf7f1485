import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import type { CrmAdapterV1, CrmLeadInput } from '../crm/crm-adapter.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { Classification } from '../qualification/classification.js'
import type { ClassifierV1 } from '../qualification/classifier.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { simulatedTelephony } from '../telephony/simulated-telephony.js'

const PHONE = '+34600111222'
const HOT = 'Soy María, busco un sofá de 3 plazas, presupuesto 2000 €, lo necesito esta semana'

/** An in-memory CRM that records what it was given and can be told to fail. */
function recordingCrm() {
  const received: CrmLeadInput[] = []
  let failures = 0
  const crm: CrmAdapterV1 & { received: CrmLeadInput[]; failNext(times: number): void } = {
    specificationVersion: 'v1',
    name: 'recording',
    capabilities: { deduplicate: false, notes: false },
    received,
    failNext(times) {
      failures = times
    },
    async upsertLead(input) {
      if (failures > 0) {
        failures--
        throw new LeadCallError('CONTACT_CREATION_FAILED', { message: 'CRM said no' })
      }
      received.push(input)
      return { id: `crm-${received.length}`, action: 'created' }
    },
  }
  return crm
}

let apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()))
  apps = []
  vi.useRealTimers()
})

function makeApp(config: Parameters<typeof createLeadCall>[0] = {}) {
  const app = createLeadCall({ phone: { defaultCountry: 'ES' }, ...config })
  apps.push(app)
  return app
}

describe('app.conversations', () => {
  it('keeps a conversation per contact: history, the decision, the reply', async () => {
    const app = makeApp()
    const first = await app.conversations.receive({ from: `whatsapp:${PHONE}`, text: 'Hola', id: 'SM1' })
    expect(first.duplicate).toBe(false)
    expect(first.classification?.quality).toBe('cold')
    expect(first.classification?.nextAction).toBe('ask_clarifying_question')
    expect(first.reply).toMatch(/[¿?]/)
    const second = await app.conversations.receive({ from: '600 111 222', text: 'busco sofás', id: 'SM2' })
    expect(second.classification?.extracted.productInterest).toBeTruthy()
    expect(second.classification?.nextAction).toBe('request_contact_info')

    const conversation = await app.conversations.get(PHONE)
    expect(conversation?.status).toBe('active')
    expect(conversation?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(conversation?.messages[0]).toMatchObject({ text: 'Hola', id: 'SM1' })
    expect(await app.conversations.history(`whatsapp:${PHONE}`)).toEqual(conversation?.messages)
  })

  it('ignores a message id it has seen: nothing changes, nothing to reply', async () => {
    const app = makeApp()
    await app.conversations.receive({ from: PHONE, text: 'Hola', id: 'SM1' })
    const again = await app.conversations.receive({ from: PHONE, text: 'Hola', id: 'SM1' })
    expect(again.duplicate).toBe(true)
    expect(again.reply).toBeUndefined()
    expect(again.conversation?.messages).toHaveLength(2)
    expect((await app.conversations.analytics()).messages).toBe(1)
  })

  it('hands a hot lead to the CRM and to an immediate call, once', async () => {
    const crm = recordingCrm()
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const app = makeApp({ crm, telephony })
    await app.agents.upsert({ id: 'a1', name: 'Alice', phone: '+34911000001', status: 'available' })
    const leads: unknown[] = []
    app.on('conversation.lead', (event) => leads.push(event))

    const result = await app.conversations.receive({
      from: PHONE,
      text: HOT,
      id: 'SM1',
      profileName: 'María',
    })
    expect(result.classification?.quality).toBe('hot')
    expect(result.classification?.nextAction).toBe('create_lead')
    expect(result.conversation?.status).toBe('completed')
    expect(result.conversation?.lead).toMatchObject({
      status: 'created',
      quality: 'hot',
      crm: { id: 'crm-1' },
    })
    const processId = result.conversation?.lead?.call?.processId ?? ''
    expect(processId).not.toBe('')
    const process = await app.process(processId)
    expect(process?.lead.phone).toBe(PHONE)
    expect(process?.lead.source).toBe('whatsapp')

    expect(crm.received).toHaveLength(1)
    expect(crm.received[0]?.lead).toMatchObject({ phone: PHONE, firstName: 'María' })
    expect(crm.received[0]?.qualification?.quality).toBe('hot')
    expect(crm.received[0]?.summary).toContain(HOT)
    expect(leads).toEqual([expect.objectContaining({ status: 'created', crmId: 'crm-1', processId })])
    expect(JSON.stringify(leads)).not.toContain(PHONE)

    // The conversation goes on, but it never creates a second lead.
    await app.conversations.receive({ from: PHONE, text: 'Perfecto, gracias', id: 'SM2' })
    expect(crm.received).toHaveLength(1)
    expect(leads).toHaveLength(1)
  })

  it('sends a warm lead to the CRM without calling', async () => {
    const crm = recordingCrm()
    const classifier = fixedClassifier({ quality: 'warm', nextAction: 'create_lead' })
    const warm = makeApp({ crm, telephony: simulatedTelephony({ seed: 2 }), classifier })
    const result = await warm.conversations.receive({ from: PHONE, text: 'Soy Ana, quiero un sofá' })
    expect(result.conversation?.lead).toMatchObject({ status: 'created', quality: 'warm' })
    expect(result.conversation?.lead?.call).toBeUndefined()
    expect(crm.received).toHaveLength(1)
  })

  it('keeps a lead the CRM refused and retries it with the next message', async () => {
    const crm = recordingCrm()
    crm.failNext(1)
    const app = makeApp({ crm })
    const failed = await app.conversations.receive({ from: PHONE, text: HOT, id: 'SM1' })
    expect(failed.conversation?.lead).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'CONTACT_CREATION_FAILED' },
    })
    expect((await app.conversations.analytics()).completed).toBe(0)
    const retried = await app.conversations.receive({ from: PHONE, text: '¿Me llamáis?', id: 'SM2' })
    expect(retried.conversation?.lead).toMatchObject({ status: 'created', attempts: 2, crm: { id: 'crm-1' } })
    expect(retried.conversation?.lead?.error).toBeUndefined()
    expect((await app.conversations.analytics()).completed).toBe(1)
  })

  it('tries a refused hand-off again by itself after each delay, then waits for a message', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-02T10:00:00Z') })
    const crm = recordingCrm()
    crm.failNext(3)
    const app = makeApp({ crm, conversations: { handoffRetryMs: [1_000, 5_000] } })
    const failed = await app.conversations.receive({ from: PHONE, text: HOT, id: 'SM1' })
    expect(failed.conversation?.lead).toMatchObject({
      status: 'failed',
      attempts: 1,
      retryAt: '2026-03-02T10:00:01.000Z',
    })
    await vi.advanceTimersByTimeAsync(1_000)
    expect((await app.conversations.get(PHONE))?.lead).toMatchObject({
      status: 'failed',
      attempts: 2,
      retryAt: '2026-03-02T10:00:06.000Z',
    })
    await vi.advanceTimersByTimeAsync(5_000)
    const exhausted = (await app.conversations.get(PHONE))?.lead
    expect(exhausted).toMatchObject({ status: 'failed', attempts: 3 })
    expect(exhausted?.retryAt).toBeUndefined()
    await vi.advanceTimersByTimeAsync(3_600_000)
    expect((await app.conversations.get(PHONE))?.lead?.attempts).toBe(3) // no retry left
    const retried = await app.conversations.receive({ from: PHONE, text: '¿Me llamáis?', id: 'SM2' })
    expect(retried.conversation?.lead).toMatchObject({ status: 'created', attempts: 4, crm: { id: 'crm-1' } })
    expect(crm.received).toHaveLength(1)
  })

  it('hands off, after a restart, the lead a process died handing off', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-02T10:00:00Z') })
    const store = memoryStorage()
    // Both apps share the store; closing the first must not drop it.
    const shared = () => Object.assign(Object.create(store) as typeof store, { close: undefined })
    const hanging: CrmAdapterV1 = {
      ...recordingCrm(),
      upsertLead: () => new Promise(() => {}), // the process dies while the CRM call is in flight
    }
    const first = makeApp({ storage: shared(), crm: hanging, conversations: { handoffRetryMs: [30_000] } })
    void first.conversations.receive({ from: PHONE, text: HOT, id: 'SM1' })
    await vi.advanceTimersByTimeAsync(10)
    expect((await first.conversations.get(PHONE))?.lead?.status).toBe('pending')
    await first.close()
    const crm = recordingCrm()
    const second = makeApp({ storage: shared(), crm, conversations: { handoffRetryMs: [30_000] } })
    await vi.advanceTimersByTimeAsync(30_000)
    expect((await second.conversations.get(PHONE))?.lead).toMatchObject({
      status: 'created',
      crm: { id: 'crm-1' },
    })
    expect(crm.received).toHaveLength(1)
  })

  it('hands support requests over and counts them', async () => {
    const app = makeApp()
    const result = await app.conversations.receive({
      from: PHONE,
      text: 'Mi pedido no ha llegado, ¿dónde está?',
    })
    expect(result.classification?.nextAction).toBe('transfer_to_support')
    expect(result.conversation?.status).toBe('transferred')
    expect((await app.conversations.analytics()).transferred).toBe(1)
  })

  it('forgets a conversation on reset: the next message starts a new one', async () => {
    const app = makeApp()
    await app.conversations.receive({ from: PHONE, text: 'Hola', id: 'SM1' })
    expect(await app.conversations.reset(PHONE)).toBe(true)
    expect(await app.conversations.get(PHONE)).toBeNull()
    expect(await app.conversations.reset(PHONE)).toBe(false)
    const again = await app.conversations.receive({ from: PHONE, text: 'Hola de nuevo', id: 'SM2' })
    expect(again.conversation?.messages[0]?.text).toBe('Hola de nuevo')
    // A redelivery of a message from before the reset is still recognised.
    expect((await app.conversations.receive({ from: PHONE, text: 'Hola', id: 'SM1' })).duplicate).toBe(true)
  })

  it('expires a conversation after its TTL of silence', async () => {
    let clock = Date.parse('2026-03-02T10:00:00Z')
    const now = () => clock
    const app = makeApp({ storage: memoryStorage({ now }), now, conversations: { ttlMs: 60_000 } })
    await app.conversations.receive({ from: PHONE, text: 'Hola' })
    clock += 59_000
    await app.conversations.receive({ from: PHONE, text: 'busco un sofá' })
    clock += 59_000
    expect((await app.conversations.get(PHONE))?.messages).toHaveLength(4)
    clock += 2_000
    expect(await app.conversations.get(PHONE)).toBeNull()
  })

  it('keeps every message when one contact writes several at once', async () => {
    const app = makeApp()
    const texts = ['Hola', 'soy Pablo', 'busco una mesa', 'de roble', 'para mañana']
    await Promise.all(texts.map((text, i) => app.conversations.receive({ from: PHONE, text, id: `SM${i}` })))
    const history = await app.conversations.history(PHONE)
    expect(
      history
        .filter((m) => m.role === 'user')
        .map((m) => m.text)
        .sort(),
    ).toEqual([...texts].sort())
    expect((await app.conversations.analytics()).started).toBe(1)
  })

  it('computes analytics from counters: conversion, time to lead, quality and actions', async () => {
    let clock = Date.parse('2026-03-02T10:00:00Z')
    const now = () => clock
    const app = makeApp({ storage: memoryStorage({ now }), now })
    await app.conversations.receive({ from: PHONE, text: 'Hola' })
    clock += 90_000
    await app.conversations.receive({ from: PHONE, text: HOT })
    await app.conversations.receive({ from: '+34600111333', text: 'Hola' })
    const stats = await app.conversations.analytics({ from: '2026-03-01', to: '2026-03-02T23:00:00Z' })
    expect(stats).toMatchObject({
      period: { from: '2026-03-01', to: '2026-03-02' },
      started: 2,
      completed: 1,
      active: 1,
      transferred: 0,
      conversionRate: 0.5,
      averageMsToLead: 90_000,
      messages: 3,
      leadsByQuality: { hot: 1, warm: 0, cold: 0 },
    })
    expect(stats.quality.cold.count).toBe(2)
    expect(stats.quality.hot.share).toBeCloseTo(1 / 3)
    expect(stats.nextActions.create_lead.count).toBe(1)
    expect(stats.nextActions.ask_clarifying_question.count).toBe(2)
    const before = await app.conversations.analytics({ from: '2026-02-01', to: '2026-02-28' })
    expect(before.started).toBe(0)
    await expect(app.conversations.analytics({ from: '2026-03-05', to: '2026-03-01' })).rejects.toMatchObject(
      {
        code: 'VALIDATION_FAILED',
      },
    )
  })

  it('refuses bad input with clear errors', async () => {
    const app = makeApp({ conversations: { maxMessageLength: 10 } })
    await expect(app.conversations.receive({ from: 'whatsapp:12', text: 'Hola' })).rejects.toMatchObject({
      code: 'INVALID_PHONE',
    })
    await expect(app.conversations.receive({ from: PHONE, text: 'x'.repeat(11) })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(app.conversations.receive({ from: PHONE, text: 'Hola', id: '' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(
      app.conversations.receive({ from: undefined as unknown as string, text: 'Hola' }),
    ).rejects.toMatchObject({ code: 'MISSING_PHONE' })
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(
      app.conversations.receive({ from: PHONE, text: 'Hola' }, { signal: controller.signal }),
    ).rejects.toThrow('stop')
    expect(await app.conversations.get(PHONE)).toBeNull()
  })
})

/** A classifier that always answers the same decision (the rule classifier's output otherwise). */
function fixedClassifier(decision: Pick<Classification, 'quality' | 'nextAction'>): ClassifierV1 {
  return {
    specificationVersion: 'v1',
    name: 'fixed',
    async classify() {
      return {
        ...decision,
        score: 50,
        completeness: 1,
        missingFields: [],
        extracted: { name: 'Ana', productInterest: 'sofá' },
        intent: 'sales',
        question: 'Gracias',
        language: 'es',
        confidence: 1,
        reasons: [],
        classifier: 'fixed',
      }
    },
  }
}
