import { LeadCallError } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import examples from '../test/fixtures/cloudtalk-openapi-examples.json' with { type: 'json' }
import {
  CloudTalkAgentSchema,
  CloudTalkErrorEnvelopeSchema,
  CloudTalkStatusEnvelopeSchema,
  cloudTalkCollectionEnvelope,
  cloudTalkItemEnvelope,
  mapCloudTalkAvailability,
  parseCloudTalkAgents,
} from './cloudtalk-envelope.js'

const agentsList = examples['GET /agents/index.json 200']
const vendorAgent = agentsList.responseData.data[0]!.Agent

function catchError(fn: () => unknown): LeadCallError {
  try {
    fn()
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}

/** The vendor example with one agent's fields replaced. */
function withAgent(agent: Record<string, unknown>) {
  return { responseData: { ...agentsList.responseData, data: [{ Agent: agent }] } }
}

describe('parseCloudTalkAgents', () => {
  it('parses the vendor example of GET /agents/index.json', () => {
    expect(parseCloudTalkAgents(agentsList)).toEqual({
      itemsCount: 3,
      pageCount: 1,
      pageNumber: 1,
      limit: 3,
      agents: [
        {
          id: '99',
          name: '123456',
          firstname: 'John',
          lastname: 'Doe',
          email: 'joh.doe@phoonio.com',
          is_daily_limit_ok: true,
          status_outbound: true,
          availability_status: 'online',
          extension: '1001',
          call_number_id: '36',
          default_number: '+421123456789',
          associated_numbers: ['+421123456789', '+421987654321'],
        },
      ],
    })
  })

  it('reads numeric ids and string counts alike', () => {
    const body = {
      responseData: {
        itemsCount: '2',
        pageCount: '1',
        pageNumber: '1',
        limit: '30',
        data: [{ Agent: { ...vendorAgent, id: 99, extension: 1001 } }, { Agent: { id: '100' } }],
      },
    }
    const page = parseCloudTalkAgents(body)
    expect(page.itemsCount).toBe(2)
    expect(page.limit).toBe(30)
    expect(page.agents.map((agent) => agent.id)).toEqual(['99', '100'])
    expect(page.agents[0]!.extension).toBe('1001')
  })

  it('is lenient on fields the vendor drops or blanks', () => {
    const page = parseCloudTalkAgents({
      responseData: {
        data: [
          { Agent: { id: '7', availability_status: null, default_number: null, associated_numbers: null } },
        ],
      },
    })
    expect(page).toEqual({
      agents: [{ id: '7', availability_status: null, default_number: null, associated_numbers: null }],
    })
    expect(mapCloudTalkAvailability(page.agents[0]!.availability_status)).toBe('offline')
  })

  it('accepts 0/1 and string flags', () => {
    const page = parseCloudTalkAgents(
      withAgent({ ...vendorAgent, is_daily_limit_ok: 0, status_outbound: '1' }),
    )
    expect(page.agents[0]!.is_daily_limit_ok).toBe(false)
    expect(page.agents[0]!.status_outbound).toBe(true)
  })

  it('keeps an availability status CloudTalk adds later instead of rejecting the list', () => {
    const page = parseCloudTalkAgents(withAgent({ ...vendorAgent, availability_status: 'ringing' }))
    expect(page.agents[0]!.availability_status).toBe('ringing')
    expect(mapCloudTalkAvailability(page.agents[0]!.availability_status)).toBe('offline')
  })

  it('parses an empty page', () => {
    const body = { responseData: { itemsCount: 0, pageCount: 0, pageNumber: 1, limit: 30, data: [] } }
    expect(parseCloudTalkAgents(body).agents).toEqual([])
  })

  it('drops fields it does not know', () => {
    const page = parseCloudTalkAgents(withAgent({ ...vendorAgent, pass: 'secret' }))
    expect(page.agents[0]).not.toHaveProperty('pass')
  })

  it.each([
    ['null', null],
    ['a string', 'not json'],
    ['an array', []],
    ['an object without responseData', { data: [] }],
    ['responseData without data', { responseData: { itemsCount: 1 } }],
    ['data that is not an array', { responseData: { data: { Agent: vendorAgent } } }],
    ['an item without Agent', { responseData: { data: [{ User: vendorAgent }] } }],
    ['an agent without id', withAgent({ ...vendorAgent, id: undefined })],
    ['an agent with an empty id', withAgent({ ...vendorAgent, id: '' })],
    ['a flag that is not a boolean', withAgent({ ...vendorAgent, is_daily_limit_ok: 'maybe' })],
    ['a non-numeric count', { responseData: { ...agentsList.responseData, itemsCount: 'many' } }],
  ])('throws VALIDATION_FAILED with the raw body on %s', (_label, body) => {
    const error = catchError(() => parseCloudTalkAgents(body))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^Invalid CloudTalk agents response: /)
    const details = error.details as { body: unknown; issues: Array<{ path: string; message: string }> }
    expect(details.body).toBe(body)
    expect(details.issues.length).toBeGreaterThan(0)
  })

  it('names the path of the offending field', () => {
    const error = catchError(() => parseCloudTalkAgents(withAgent({ ...vendorAgent, id: undefined })))
    expect(error.message).toContain('responseData.data.0.Agent.id')
  })

  it.each([
    'PUT /agents/add.json 403',
    'PUT /agents/add.json 500',
    'POST /agents/edit/{agentId}.json 404',
  ] as const)('reports the vendor error envelope %s in the message', (key) => {
    const body = examples[key]
    const error = catchError(() => parseCloudTalkAgents(body))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toBe(
      `CloudTalk answered with an error instead of agents: ${body.responseData.status} ${body.responseData.message}`,
    )
    expect((error.details as { body: unknown }).body).toBe(body)
  })
})

describe('mapCloudTalkAvailability', () => {
  it.each([
    ['online', 'available'],
    ['calling', 'busy'],
    ['paused', 'break'],
    ['offline', 'offline'],
    [' Online ', 'available'],
    ['CALLING', 'busy'],
    ['away', 'offline'],
    ['', 'offline'],
    [null, 'offline'],
    [undefined, 'offline'],
  ] as const)('maps %j to %s', (status, expected) => {
    expect(mapCloudTalkAvailability(status)).toBe(expected)
  })
})

describe('envelope schemas', () => {
  it.each([
    'PUT /agents/add.json 403',
    'PUT /agents/add.json 406',
    'PUT /agents/add.json 500',
    'POST /agents/edit/{agentId}.json 404',
    'POST /calls/create.json 403',
    'POST /calls/create.json 409',
  ] as const)('reads the vendor error envelope %s', (key) => {
    const parsed = CloudTalkErrorEnvelopeSchema.parse(examples[key])
    expect(parsed.responseData.status).toBe(Number(key.slice(-3)))
    expect(parsed.responseData.message.length).toBeGreaterThan(0)
  })

  it('reads the field messages of a 406', () => {
    const parsed = CloudTalkErrorEnvelopeSchema.parse(examples['PUT /agents/add.json 406'])
    expect(parsed.responseData.data).toEqual({ email: ['Please supply a valid email address.'] })
  })

  it('does not take a success status envelope for an error', () => {
    expect(CloudTalkErrorEnvelopeSchema.safeParse(examples['PUT /agents/add.json 201']).success).toBe(false)
    expect(
      CloudTalkErrorEnvelopeSchema.safeParse(examples['POST /agents/edit/{agentId}.json 200']).success,
    ).toBe(false)
  })

  it('reads the vendor status envelopes of writes', () => {
    expect(CloudTalkStatusEnvelopeSchema.parse(examples['PUT /agents/add.json 201'])).toEqual({
      responseData: { status: 201, data: { id: '12345' } },
    })
    expect(CloudTalkStatusEnvelopeSchema.parse(examples['POST /agents/edit/{agentId}.json 200'])).toEqual({
      responseData: { status: 200 },
    })
  })

  it('builds collection envelopes for other resources (vendor tags list)', () => {
    const TagsEnvelope = cloudTalkCollectionEnvelope(
      z.object({ Tag: z.object({ id: z.string(), name: z.string() }) }),
    )
    const parsed = TagsEnvelope.parse(examples['GET /tags/index.json 200'])
    expect(parsed.responseData.itemsCount).toBe(3)
    expect(parsed.responseData.data).toEqual([{ Tag: { id: '99', name: 'Tag' } }])
  })

  it('builds single-item envelopes (vendor contact)', () => {
    const ContactEnvelope = cloudTalkItemEnvelope(
      z.object({ Contact: z.object({ id: z.string(), name: z.string() }) }),
    )
    const parsed = ContactEnvelope.parse(examples['GET /contacts/show/{contactId}.json 200'])
    expect(parsed.responseData.Contact).toEqual({ id: '1234', name: 'John Doe' })
  })

  it('validates a bare agent', () => {
    expect(CloudTalkAgentSchema.parse(vendorAgent).availability_status).toBe('online')
  })
})
