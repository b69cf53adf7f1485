import {
  type Classification,
  ClassificationSchema,
  type CrmLeadInput,
  type Lead,
  LeadSchema,
} from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import {
  createValues,
  defaultLeadName,
  descriptionHtml,
  fieldsToRead,
  noteText,
  priorityOf,
  updateValues,
} from './odoo-lead-values.js'

function lead(overrides: Record<string, unknown> = {}): Lead {
  return LeadSchema.parse({
    id: 'lead-1',
    phone: '+393401234567',
    fullName: 'Giulia Bianchi',
    firstName: 'Giulia',
    lastName: 'Bianchi',
    email: 'giulia@example.it',
    receivedAt: '2026-01-15T15:00:00.000Z',
    ...overrides,
  })
}

function classification(overrides: Record<string, unknown> = {}, extracted: Record<string, unknown> = {}) {
  return ClassificationSchema.parse({
    quality: 'hot',
    score: 82,
    completeness: 1,
    missingFields: [],
    extracted: {
      name: 'Giulia',
      city: 'Torino',
      productInterest: 'divano letto',
      budget: { amount: 1500, currency: 'EUR' },
      urgency: 'medium',
      ...extracted,
    },
    intent: 'sales',
    nextAction: 'create_lead',
    question: '',
    language: 'it',
    confidence: 0.8,
    reasons: ['budget 1500 EUR', 'specific product'],
    classifier: 'rules',
    ...overrides,
  }) as Classification
}

const input = (extra: Partial<CrmLeadInput> = {}): CrmLeadInput => ({
  lead: lead(),
  qualification: classification(),
  summary: 'Giulia wants a sofa bed for the living room',
  ...extra,
})

describe('createValues', () => {
  it('maps the lead and its classification to crm.lead fields', () => {
    const values = createValues(
      input({ lead: lead({ company: 'Bianchi SRL' }) }),
      {},
      { tagIds: [7, 9], sourceId: 3 },
    )
    expect(values).toEqual({
      name: 'divano letto — Giulia Bianchi',
      contact_name: 'Giulia Bianchi',
      partner_name: 'Bianchi SRL',
      email_from: 'giulia@example.it',
      phone: '+393401234567',
      city: 'Torino',
      description: expect.stringContaining('Giulia wants a sofa bed'),
      priority: '2',
      source_id: 3,
      tag_ids: [[6, 0, [7, 9]]],
    })
  })

  it('sets type, team and salesperson only when configured', () => {
    const values = createValues(input(), { type: 'opportunity', teamId: 4, userId: 8 }, { tagIds: [] })
    expect(values).toMatchObject({ type: 'opportunity', team_id: 4, user_id: 8 })
    expect(values).not.toHaveProperty('tag_ids')
    const plain = createValues(input(), {}, { tagIds: [] })
    expect(plain).not.toHaveProperty('type')
    expect(plain).not.toHaveProperty('team_id')
    expect(plain).not.toHaveProperty('source_id')
  })

  it('renames or leaves out standard fields with fieldMap', () => {
    const values = createValues(input(), { fieldMap: { phone: 'mobile', city: false } }, { tagIds: [] })
    expect(values.mobile).toBe('+393401234567')
    expect(values).not.toHaveProperty('phone')
    expect(values).not.toHaveProperty('city')
  })

  it('fills custom fields from named values and functions, leaving unknown ones out', () => {
    const values = createValues(
      input({ qualification: classification({}, { budget: undefined }) }),
      {
        customFields: {
          x_product_interest: 'productInterest',
          x_budget_range: 'budget',
          x_quality_score: 'score',
          x_quality: 'quality',
          x_lead_ref: (i) => `LC-${i.lead.id}`,
          x_nothing: () => undefined,
        },
      },
      { tagIds: [] },
    )
    expect(values).toMatchObject({
      x_product_interest: 'divano letto',
      x_quality_score: 82,
      x_quality: 'hot',
      x_lead_ref: 'LC-lead-1',
    })
    expect(values).not.toHaveProperty('x_budget_range')
    expect(values).not.toHaveProperty('x_nothing')
  })

  it('uses a configured record name', () => {
    const values = createValues(input(), { leadName: (i) => `Web lead ${i.lead.phone}` }, { tagIds: [] })
    expect(values.name).toBe('Web lead +393401234567')
  })
})

describe('defaultLeadName and the contact name', () => {
  it('is the contact alone without a product, the phone without a name', () => {
    expect(defaultLeadName({ lead: lead() })).toBe('Giulia Bianchi')
    const unknown = lead({ fullName: 'Unknown Contact', firstName: 'Unknown', lastName: 'Contact' })
    expect(defaultLeadName({ lead: unknown })).toBe('+393401234567')
  })

  it('takes the name the classifier heard when the lead came without one', () => {
    const unknown = lead({ fullName: 'Unknown Contact', firstName: 'Unknown', lastName: 'Contact' })
    const values = createValues({ lead: unknown, qualification: classification() }, {}, { tagIds: [] })
    expect(values.contact_name).toBe('Giulia')
    expect(values.name).toBe('divano letto — Giulia')
  })
})

describe('priorityOf', () => {
  it.each([
    ['hot and urgent', classification({ quality: 'hot' }, { urgency: 'high' }), '3'],
    ['hot', classification({ quality: 'hot' }), '2'],
    ['warm', classification({ quality: 'warm', score: 55 }), '1'],
    ['cold', classification({ quality: 'cold', score: 10 }), '0'],
  ])('maps %s', (_label, qualification, expected) => {
    expect(priorityOf({ lead: lead(), qualification })).toBe(expected)
  })

  it('follows the configured priorities', () => {
    const urgent = classification({ quality: 'hot' }, { urgency: 'high' })
    expect(priorityOf({ lead: lead(), qualification: urgent }, { hot: '1' })).toBe('1')
    expect(
      priorityOf(
        { lead: lead(), qualification: classification({ quality: 'cold', score: 5 }) },
        { hot: '1' },
      ),
    ).toBe('0')
  })

  it('without a classification, keeps only urgent and high leads', () => {
    expect(priorityOf({ lead: lead({ priority: 'urgent' }) })).toBe('3')
    expect(priorityOf({ lead: lead({ priority: 'high' }) })).toBe('2')
    expect(priorityOf({ lead: lead() })).toBeUndefined()
  })
})

describe('descriptionHtml', () => {
  it('holds the summary and the analysis, every text escaped', () => {
    const html = descriptionHtml(
      input({
        summary: 'Wants <b>two</b> chairs & a "table"\nCall after 6pm',
        qualification: classification({ reasons: ['budget < 2000 EUR'] }),
      }),
    )
    expect(html).toContain('Wants &lt;b&gt;two&lt;/b&gt; chairs &amp; a &quot;table&quot;<br>Call after 6pm')
    expect(html).toContain('<strong>Qualification</strong>: hot, score 82/100')
    expect(html).toContain('<li>Product interest: divano letto</li>')
    expect(html).toContain('<li>Budget: 1500 EUR</li>')
    expect(html).toContain('<li>Urgency: medium</li>')
    expect(html).toContain('<li>budget &lt; 2000 EUR</li>')
    expect(html).toContain('Classified by rules (confidence 0.80)')
  })

  it('is absent with neither summary nor classification', () => {
    expect(descriptionHtml({ lead: lead() })).toBeUndefined()
    expect(createValues({ lead: lead() }, {}, { tagIds: [] })).not.toHaveProperty('description')
  })
})

describe('noteText', () => {
  it('is plain text with the contact, the summary and the analysis', () => {
    expect(noteText(input()).split('\n')).toEqual([
      'New conversation from Giulia Bianchi, +393401234567, giulia@example.it',
      'Summary: Giulia wants a sofa bed for the living room',
      'Qualification: hot, score 82/100',
      'Product interest: divano letto',
      'Budget: 1500 EUR',
      'Urgency: medium',
      'City: Torino',
      'Intent: sales',
      'Language: it',
      'Reasons: budget 1500 EUR; specific product',
    ])
  })
})

describe('updateValues', () => {
  const existing = {
    id: 5,
    contact_name: 'G. Bianchi',
    partner_name: false,
    email_from: false,
    phone: '+39 340 123 4567',
    city: 'Milano',
    priority: '1',
    tag_ids: [7],
  }

  it('fills only the fields the record lacks, raises the priority, links new tags', () => {
    expect(updateValues(input(), existing, {}, [7, 9])).toEqual({
      email_from: 'giulia@example.it',
      priority: '2',
      tag_ids: [[4, 9]],
    })
  })

  it('never lowers the priority and writes nothing when nothing is new', () => {
    const cold = input({ qualification: classification({ quality: 'cold', score: 5 }) })
    const full = { ...existing, email_from: 'old@example.it', priority: '3' }
    expect(updateValues(cold, full, {}, [7])).toEqual({})
  })

  it('overwrites custom fields with the latest classification', () => {
    const values = updateValues(input(), existing, { customFields: { x_quality_score: 'score' } }, [])
    expect(values.x_quality_score).toBe(82)
  })

  it('reads the mapped fields of the record', () => {
    expect(fieldsToRead({ fieldMap: { phone: 'mobile', city: false } })).toEqual([
      'contact_name',
      'partner_name',
      'email_from',
      'mobile',
      'priority',
      'tag_ids',
    ])
  })
})
