import { ClassificationSchema, type CrmLeadInput, LeadCallError } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cloudtalkCrm, cloudtalkCrmNote } from './cloudtalk-crm.js'
import { cloudtalkCrmMock } from './cloudtalk-crm-mock.test-util.js'
import { errorEnvelope, KEY_SECRET, leadCallError, testLead } from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'

const crm = cloudtalkCrmMock()
const { mock } = crm
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => crm.reset())
afterAll(() => mock.server.close())

const routes = () => mock.received.map((r) => `${r.method} ${r.path}`)

const qualification = ClassificationSchema.parse({
  quality: 'warm',
  score: 55,
  completeness: 0.75,
  missingFields: ['budgetOrUrgency'],
  extracted: { productInterest: 'standing desk', city: 'Boston' },
  intent: 'sales',
  nextAction: 'gather_more_details',
  question: 'What is your budget?',
  language: 'en',
  confidence: 0.7,
  reasons: ['specific product'],
  classifier: 'rules',
})

const input = (extra: Partial<CrmLeadInput> = {}): CrmLeadInput => ({
  lead: testLead(),
  qualification,
  summary: 'John asks about a standing desk for his office',
  ...extra,
})

describe('cloudtalkCrm — upsertLead', () => {
  it('searches by phone, creates the contact with its tags, then posts the summary as a note', async () => {
    const adapter = cloudtalkCrm({ ...crm.options, contactTags: ['leadcall'], noteUserId: 1234 })
    const result = await adapter.upsertLead(input({ tags: ['web'] }))
    expect(result).toEqual({ id: expect.any(String), action: 'created', notePosted: true })
    expect(routes()).toEqual([
      'GET /contacts/index.json',
      'PUT /contacts/add.json',
      'PUT /tags/add.json',
      `PUT /contacts/addTags/${result.id}.json`,
    ])
    expect(mock.contacts.get(result.id)).toMatchObject({
      name: 'John Carter',
      numbers: ['+14155550199'],
      emails: ['john.carter@example.com'],
      tags: ['leadcall', 'web'],
    })
    expect(crm.notes).toEqual([
      {
        id: expect.any(String),
        contactId: result.id,
        userId: 1234,
        note: [
          'Lead qualified by leadcall',
          'Summary: John asks about a standing desk for his office',
          'Qualification: warm, score 55/100',
          'Product interest: standing desk',
          'City: Boston',
          'Reasons: specific product',
        ].join('\n'),
      },
    ])
  })

  it('posts no note for a bare lead, and asks nothing more when the tags are the contact tags', async () => {
    const adapter = cloudtalkCrm({ ...crm.options, contactTags: ['leadcall'] })
    const result = await adapter.upsertLead({ lead: testLead('+14155550199', { tags: ['leadcall'] }) })
    expect(result).toEqual({ id: expect.any(String), action: 'created' })
    expect(routes()).toEqual(['GET /contacts/index.json', 'PUT /contacts/add.json'])
    expect(crm.notes).toEqual([])
  })

  it('updates the contact with the same phone: no edit of its name by default, a "new conversation" note', async () => {
    const seeded = mock.seedContact({ name: 'J. Carter', numbers: ['+1 415 555 0199'], emails: [], tags: [] })
    const result = await cloudtalkCrm(crm.options).upsertLead(input())
    expect(result).toEqual({ id: seeded.id, action: 'updated', notePosted: true })
    expect(routes()).toEqual(['GET /contacts/index.json'])
    expect(mock.contacts.get(seeded.id)?.name).toBe('J. Carter')
    expect(crm.notes[0]?.note.split('\n')[0]).toBe('New conversation (leadcall)')
  })

  it('edits the name of an existing contact with updateExistingContacts: true', async () => {
    const seeded = mock.seedContact({ name: 'J. Carter', numbers: ['+14155550199'], emails: [], tags: [] })
    await cloudtalkCrm({ ...crm.options, updateExistingContacts: true }).upsertLead(input())
    expect(mock.contacts.get(seeded.id)?.name).toBe('John Carter')
  })

  it('names a contact the classifier heard when the lead came without a name', async () => {
    const unnamed = testLead('+14155550199', {
      fullName: 'Unknown Contact',
      firstName: 'Unknown',
      lastName: 'Contact',
    })
    const heard = ClassificationSchema.parse({ ...qualification, extracted: { name: 'Johnny' } })
    const result = await cloudtalkCrm(crm.options).upsertLead({ lead: unnamed, qualification: heard })
    expect(mock.contacts.get(result.id)?.name).toBe('Johnny')
  })

  it('says which contact was saved when the note then fails', async () => {
    crm.failNote(500, errorEnvelope(500, 'Something went wrong.'))
    const error = await leadCallError(cloudtalkCrm(crm.options).upsertLead(input()))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    const [contact] = [...mock.contacts.values()]
    expect(error.details).toMatchObject({ contactId: contact?.id, cloudtalkStatus: 500 })
    expect(error.message).toContain(`CloudTalk contact ${contact?.id} was saved but posting its note failed`)
  })

  it('shares the rate limiter with the telephony provider', async () => {
    const telephony = cloudtalk({ ...mock.options })
    const adapter = cloudtalkCrm({ ...crm.options, rateLimiter: telephony.rateLimiter })
    expect(adapter.rateLimiter).toBe(telephony.rateLimiter)
    await adapter.upsertLead(input())
    expect(telephony.rateLimiter.remaining).toBeLessThan(60)
  })
})

describe('cloudtalkCrm — notes and options', () => {
  it('declares notes: false and refuses addNote without a request', async () => {
    const adapter = cloudtalkCrm({ ...crm.options, notes: false })
    expect(adapter.capabilities).toEqual({ deduplicate: true, deduplicateBy: ['phone'], notes: false })
    const result = await adapter.upsertLead(input())
    expect(result.notePosted).toBeUndefined()
    mock.received.length = 0
    const error = await leadCallError(adapter.addNote(result.id, 'hello'))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(mock.received).toEqual([])
    expect(crm.notes).toEqual([])
  })

  it('refuses a note on an id that is not a CloudTalk id', async () => {
    const error = await leadCallError(cloudtalkCrm(crm.options).addNote('abc', 'hello'))
    expect(error.code).toBe('VALIDATION_FAILED')
  })

  it('refuses invalid options', () => {
    expect(() => cloudtalkCrm({ timeoutMs: -1 })).toThrow(LeadCallError)
    expect(() => cloudtalkCrm({ noteUserId: 1.5 })).toThrow(LeadCallError)
    expect(() => cloudtalkCrm({ baseUrl: 'ftp://x' })).toThrow(LeadCallError)
  })

  it('fails the first call, naming the option, without API keys', async () => {
    const previous = [process.env.CLOUDTALK_ACCESS_KEY_ID, process.env.CLOUDTALK_ACCESS_KEY_SECRET]
    delete process.env.CLOUDTALK_ACCESS_KEY_ID
    delete process.env.CLOUDTALK_ACCESS_KEY_SECRET
    try {
      const error = await leadCallError(cloudtalkCrm().upsertLead(input()))
      expect(error.code).toBe('VALIDATION_FAILED')
      expect(error.message).toContain('accessKeyId and accessKeySecret')
    } finally {
      if (previous[0] !== undefined) process.env.CLOUDTALK_ACCESS_KEY_ID = previous[0]
      if (previous[1] !== undefined) process.env.CLOUDTALK_ACCESS_KEY_SECRET = previous[1]
    }
  })

  it('refuses calls once closed', async () => {
    const adapter = cloudtalkCrm(crm.options)
    await adapter.close()
    const error = await leadCallError(adapter.upsertLead(input()))
    expect(error.message).toBe('The CloudTalk CRM adapter is closed')
    expect(mock.received).toEqual([])
  })

  it('writes a note for an existing contact even without a summary', () => {
    expect(cloudtalkCrmNote({ lead: testLead() }, true)).toBe('New conversation (leadcall)')
    expect(cloudtalkCrmNote({ lead: testLead() }, false)).toBeUndefined()
    expect(JSON.stringify(cloudtalkCrmNote(input(), false))).not.toContain(KEY_SECRET)
  })
})
