import {
  ClassificationSchema,
  type CrmLeadInput,
  LeadCallError,
  LeadSchema,
  normalizeLead,
  ruleClassifier,
} from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { odoo } from './odoo-crm.js'
import { duplicateDomain } from './odoo-duplicates.js'
import { API_KEY, odooMock, PASSWORD, UID } from './odoo-mock.test-util.js'

const mock = odooMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => mock.reset())
afterAll(() => mock.server.close())

const lead = (overrides: Record<string, unknown> = {}) =>
  LeadSchema.parse({
    id: 'lead-7',
    phone: '+34612345678',
    fullName: 'María López',
    firstName: 'María',
    lastName: 'López',
    email: 'maria@example.es',
    tags: ['facebook'],
    receivedAt: '2026-01-15T15:00:00.000Z',
    ...overrides,
  })

const qualification = (overrides: Record<string, unknown> = {}) =>
  ClassificationSchema.parse({
    quality: 'hot',
    score: 91,
    completeness: 1,
    missingFields: [],
    extracted: {
      name: 'María',
      city: 'Madrid',
      productInterest: 'sofá',
      budget: { amount: 2000, currency: 'EUR' },
      urgency: 'high',
    },
    intent: 'sales',
    nextAction: 'create_lead',
    question: '',
    language: 'es',
    confidence: 0.9,
    reasons: ['presupuesto 2000 EUR', 'urgente'],
    classifier: 'rules',
    ...overrides,
  })

const input = (extra: Partial<CrmLeadInput> = {}): CrmLeadInput => ({
  lead: lead(),
  qualification: qualification(),
  summary: 'María quiere un sofá gris esta semana',
  tags: ['whatsapp'],
  ...extra,
})

const crmWith = (extra: Partial<Parameters<typeof odoo>[0]> = {}) => odoo({ ...mock.options, ...extra })

async function rejection(promise: Promise<unknown>): Promise<LeadCallError> {
  try {
    await promise
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}

const tagNames = (ids: unknown) =>
  (ids as number[]).map((id) => mock.orm.table('crm.tag').get(id)?.name).sort()

describe('odoo() — creating a lead', () => {
  it('creates a crm.lead with the mapped fields, tags, source and custom fields', async () => {
    const crm = crmWith({
      type: 'opportunity',
      teamId: 1,
      userId: UID,
      tags: ['leadcall'],
      source: 'leadcall',
      customFields: {
        x_product_interest: 'productInterest',
        x_budget_range: 'budget',
        x_quality_score: 'score',
      },
    })
    const result = await crm.upsertLead(input())
    expect(result).toEqual({ id: '1', action: 'created' })
    const [record] = mock.leads()
    expect(record).toMatchObject({
      name: 'sofá — María López',
      type: 'opportunity',
      contact_name: 'María López',
      email_from: 'maria@example.es',
      phone: '+34612345678',
      phone_sanitized: '+34612345678',
      city: 'Madrid',
      priority: '3',
      team_id: 1,
      user_id: UID,
      x_product_interest: 'sofá',
      x_budget_range: '2000 EUR',
      x_quality_score: 91,
      active: true,
    })
    expect(tagNames(record?.tag_ids)).toEqual(['facebook', 'leadcall', 'whatsapp'])
    expect(mock.orm.table('utm.source').get(record?.source_id as number)?.name).toBe('leadcall')
    expect(record?.description).toContain('María quiere un sofá gris esta semana')
    expect(record?.description).toContain('hot, score 91/100')
    expect(mock.messages).toEqual([])
  })

  it('sends what Odoo expects: a search for duplicates, then create with a tag command', async () => {
    await crmWith().upsertLead(input())
    expect(mock.modelCalls()).toEqual([
      'crm.lead.search_read',
      'crm.tag.search_read',
      'crm.tag.create',
      'crm.tag.create',
      'crm.lead.create',
    ])
    const search = mock.received.find(
      (call) => call.modelMethod === 'search_read' && call.model === 'crm.lead',
    )
    expect(search?.modelArgs).toEqual([duplicateDomain(input())])
    expect(search?.kwargs).toMatchObject({ limit: 1, order: 'id desc' })
    const create = mock.received.find((call) => call.modelMethod === 'create' && call.model === 'crm.lead')
    expect((create?.modelArgs?.[0] as Record<string, unknown> | undefined)?.tag_ids).toEqual([[6, 0, [1, 2]]])
  })

  it('reuses existing tags and remembers the ones it found or created', async () => {
    mock.orm.insert('crm.tag', { name: 'facebook' })
    const crm = crmWith()
    await crm.upsertLead(input())
    expect(mock.orm.table('crm.tag').size).toBe(2)
    mock.received.length = 0
    await crm.upsertLead(input({ lead: lead({ phone: '+34699999999', email: 'otro@example.es' }) }))
    expect(mock.modelCalls().filter((call) => call.startsWith('crm.tag'))).toEqual([])
  })

  it('takes a tag another process created meanwhile', async () => {
    // The tag appears between this adapter's search and its create, which hits the unique name.
    mock.arrangeFault(
      { model: 'crm.tag', modelMethod: 'create' },
      'odoo.exceptions.ValidationError',
      'Tag name already exists!',
      { effect: () => mock.orm.insert('crm.tag', { name: 'whatsapp' }) },
    )
    const result = await crmWith().upsertLead(input({ lead: lead({ tags: [] }) }))
    expect(result.action).toBe('created')
    expect(mock.orm.table('crm.tag').size).toBe(1)
    expect(tagNames(mock.leads()[0]?.tag_ids)).toEqual(['whatsapp'])
  })

  it('reports a tag it can neither find nor create', async () => {
    mock.arrangeFault({ model: 'crm.tag', modelMethod: 'create' }, 'odoo.exceptions.ValidationError', 'No.')
    const error = await rejection(crmWith().upsertLead(input({ lead: lead({ tags: [] }) })))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(mock.leads()).toEqual([])
  })

  it('looks tags and the source up again when one it remembered was deleted in Odoo', async () => {
    const crm = crmWith({ source: 'leadcall' })
    await crm.upsertLead(input())
    mock.orm.table('crm.tag').clear()
    mock.orm.table('utm.source').clear()
    const second = await crm.upsertLead(
      input({ lead: lead({ phone: '+34699999999', email: 'otro@example.es' }) }),
    )
    expect(second.action).toBe('created')
    const record = mock.leads().find((lead) => String(lead.id) === second.id)
    expect(tagNames(record?.tag_ids)).toEqual(['facebook', 'whatsapp'])
    expect(mock.orm.table('utm.source').get(record?.source_id as number)?.name).toBe('leadcall')
  })

  it('uses a numeric source id as is', async () => {
    mock.orm.insert('utm.source', { name: 'Website' })
    await crmWith({ source: 1 }).upsertLead(input())
    expect(mock.leads()[0]?.source_id).toBe(1)
    expect(mock.modelCalls()).not.toContain('utm.source.search_read')
  })

  it('authenticates with a password when given one', async () => {
    const { apiKey: _key, ...rest } = mock.options
    const result = await odoo({ ...rest, password: PASSWORD }).upsertLead(input())
    expect(result.action).toBe('created')
  })
})

describe('odoo() — duplicates', () => {
  function seed(values: Record<string, unknown>) {
    return mock.orm.insert('crm.lead', { name: 'Earlier enquiry', ...values })
  }

  it('updates the open lead with the same phone, fills its gaps and posts an internal note', async () => {
    const existing = seed({ contact_name: 'Maria', phone: '+34 612 34 56 78', priority: '1' })
    const result = await crmWith({ customFields: { x_quality_score: 'score' } }).upsertLead(input())
    expect(result).toEqual({ id: String(existing.id), action: 'updated', notePosted: true })
    expect(mock.leads()).toHaveLength(1)
    expect(mock.leads()[0]).toMatchObject({
      name: 'Earlier enquiry',
      contact_name: 'Maria',
      email_from: 'maria@example.es',
      city: 'Madrid',
      priority: '3',
      x_quality_score: 91,
    })
    expect(tagNames(mock.leads()[0]?.tag_ids)).toEqual(['facebook', 'whatsapp'])
    const post = mock.received.find((call) => call.modelMethod === 'message_post')
    expect(post?.modelArgs).toEqual([[existing.id]])
    expect(post?.kwargs).toMatchObject({ message_type: 'comment', subtype_xmlid: 'mail.mt_note' })
    expect(mock.messages).toHaveLength(1)
    expect(mock.messages[0]?.body).toContain('Summary: María quiere un sofá gris esta semana')
  })

  it('finds the open lead by e-mail whatever its case', async () => {
    const existing = seed({ email_from: '"María" <MARIA@Example.ES>', phone: '+34 600 000 000' })
    const result = await crmWith().upsertLead(input())
    expect(result.id).toBe(String(existing.id))
    expect(mock.leads()[0]?.phone).toBe('+34 600 000 000')
  })

  it('treats a lead without a stage as open', async () => {
    const existing = seed({ phone: '+34612345678', stage_id: false })
    expect((await crmWith().upsertLead(input())).id).toBe(String(existing.id))
  })

  it('creates a new lead when the one with the same phone is won or lost', async () => {
    seed({ phone: '+34612345678', stage_id: 3, probability: 100 })
    seed({ phone: '+34612345678', active: false, probability: 0 })
    const result = await crmWith().upsertLead(input())
    expect(result.action).toBe('created')
    expect(mock.leads()).toHaveLength(3)
  })

  it('takes the most recent of several open duplicates', async () => {
    seed({ phone: '+34612345678' })
    const newer = seed({ phone: '+34612345678' })
    expect((await crmWith().upsertLead(input())).id).toBe(String(newer.id))
  })

  it('creates a second lead with deduplicate: false', async () => {
    seed({ phone: '+34612345678' })
    const result = await crmWith({ deduplicate: false }).upsertLead(input())
    expect(result.action).toBe('created')
    expect(crmWith({ deduplicate: false }).capabilities.deduplicate).toBe(false)
  })

  it('builds the duplicate domain in Polish notation', () => {
    expect(duplicateDomain(input(), { fieldMap: { phone: 'mobile' } })).toEqual([
      '|',
      '|',
      ['phone_sanitized', '=', '+34612345678'],
      ['mobile', '=', '+34612345678'],
      ['email_normalized', '=', 'maria@example.es'],
      ['active', '=', true],
      '|',
      ['stage_id', '=', false],
      ['stage_id.is_won', '=', false],
    ])
  })
})

describe('odoo() — notes, options, close', () => {
  it('posts a note with addNote, escaped by Odoo as text', async () => {
    const { id } = await crmWith().upsertLead(input())
    await crmWith().addNote(id, 'Call back <tomorrow>')
    expect(mock.messages.at(-1)).toMatchObject({ res_id: Number(id), body: 'Call back &lt;tomorrow&gt;' })
  })

  it('refuses a note on a record that is not an Odoo id without calling Odoo', async () => {
    const error = await rejection(crmWith().addNote('abc', 'hello'))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(mock.received).toEqual([])
  })

  it('maps a note on a deleted lead to VALIDATION_FAILED (MissingError)', async () => {
    const error = await rejection(crmWith().addNote('4242', 'hello'))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toMatchObject({
      reason: 'missing_record',
      odooException: 'odoo.exceptions.MissingError',
    })
  })

  it.each([
    ['neither password nor apiKey', { url: 'https://acme.odoo.test', db: 'acme', username: 'bot' }],
    ['both password and apiKey', { ...mock.options, password: PASSWORD }],
    ['an url that is not http', { ...mock.options, url: 'ftp://acme' }],
    ['an invalid custom field name', { ...mock.options, customFields: { 'x-bad': 'score' } }],
    ['an unknown value source', { ...mock.options, customFields: { x_a: 'nope' } }],
  ])('refuses options with %s, without echoing secrets', (_label, options) => {
    let caught: unknown
    try {
      odoo(options as Parameters<typeof odoo>[0])
    } catch (error) {
      caught = error
    }
    expect(LeadCallError.isInstance(caught)).toBe(true)
    expect((caught as LeadCallError).code).toBe('VALIDATION_FAILED')
    expect(JSON.stringify((caught as LeadCallError).toJSON())).not.toContain(API_KEY)
  })

  it('accepts an url ending in /jsonrpc', async () => {
    const result = await odoo({ ...mock.options, url: `${mock.options.url}/jsonrpc/` }).upsertLead(input())
    expect(result.action).toBe('created')
  })

  it('refuses calls once closed', async () => {
    const crm = crmWith()
    await crm.close()
    const error = await rejection(crm.upsertLead(input()))
    expect(error.message).toBe('The Odoo adapter is closed')
    expect(mock.received).toEqual([])
  })
})

describe('the README quick start', () => {
  it('runs against Odoo', async () => {
    const crm = odoo({
      ...mock.options,
      tags: ['leadcall'],
      source: 'leadcall',
      customFields: {
        x_product_interest: 'productInterest',
        x_budget_range: 'budget',
        x_quality_score: 'score',
      },
    })
    const lead = normalizeLead({ name: 'María López', phone: '+34 612 345 678', email: 'maria@example.es' })
    const messages = [
      {
        role: 'user' as const,
        text: 'Hola, soy María. Busco un sofá gris, presupuesto 2000 €, lo necesito esta semana',
      },
    ]
    const qualification = await ruleClassifier().classify({ messages, lead: { phone: lead.phone } })
    const result = await crm.upsertLead(
      {
        lead,
        qualification,
        summary: 'María wants a grey sofa this week, budget 2000 EUR',
        tags: ['whatsapp'],
      },
      { signal: AbortSignal.timeout(30_000) },
    )
    expect(result).toEqual({ id: '1', action: 'created' })
    await crm.addNote(result.id, 'Called back: visit booked for Friday')
    await crm.close()
    const [record] = mock.leads()
    expect(record).toMatchObject({
      phone: '+34612345678',
      email_from: 'maria@example.es',
      x_quality_score: qualification.score,
    })
    expect(record?.description).toContain(`${qualification.quality}, score ${qualification.score}/100`)
    expect(mock.messages.map((m) => m.body)).toEqual(['Called back: visit booked for Friday'])
  })
})
