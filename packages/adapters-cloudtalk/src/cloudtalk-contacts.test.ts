import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { contactBody } from './cloudtalk-contacts.js'
import {
  AGENT_ID,
  cloudtalkMock,
  errorEnvelope,
  KEY_SECRET,
  leadCallError,
  testAgent,
  testDial,
  testLead,
} from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'

const mock = cloudtalkMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => mock.reset())
afterAll(() => mock.server.close())

const routes = () => mock.received.map((r) => `${r.method} ${r.path}`)

describe('syncContact', () => {
  it('creates a contact with PUT /contacts/add.json and PascalCase arrays after finding none', async () => {
    const provider = cloudtalk({ ...mock.options, contactTags: ['leadcall'] })
    const lead = testLead('+14155550199', { company: 'Carter & Sons' })
    const result = await provider.syncContact(lead)
    expect(routes()).toEqual(['GET /contacts/index.json', 'PUT /contacts/add.json'])
    expect(mock.received[0]?.query.get('keyword')).toBe('14155550199')
    expect(mock.received[1]?.body).toEqual({
      name: 'John Carter',
      company: 'Carter & Sons',
      ContactNumber: [{ public_number: '+14155550199' }],
      ContactEmail: [{ email: 'john.carter@example.com' }],
      ContactsTag: [{ name: 'leadcall' }],
    })
    expect(result).toEqual({ contactId: expect.any(String) })
    expect(mock.contacts.get(result.contactId)?.numbers).toEqual(['+14155550199'])
  })

  it('finds an existing contact by phone and updates only its name and company, never its arrays', async () => {
    const seeded = mock.seedContact({
      name: 'J. Carter',
      numbers: ['+1 415 555 0199'],
      emails: ['old@example.com'],
      tags: ['vip'],
    })
    const provider = cloudtalk(mock.options)
    const result = await provider.syncContact(testLead())
    expect(result).toEqual({ contactId: seeded.id, updated: true })
    expect(routes()).toEqual(['GET /contacts/index.json', `POST /contacts/edit/${seeded.id}.json`])
    expect(mock.received[1]?.body).toEqual({ name: 'John Carter' })
    expect(mock.contacts.get(seeded.id)).toMatchObject({
      name: 'John Carter',
      emails: ['old@example.com'],
      tags: ['vip'],
    })
  })

  it('does not take a contact whose number only looks like the lead’s', async () => {
    mock.seedContact({ name: 'Other', numbers: ['+14155550199000'], emails: [], tags: [] })
    const result = await cloudtalk(mock.options).syncContact(testLead())
    expect(result.updated).toBeUndefined()
    expect(mock.contacts.size).toBe(2)
  })

  it('leaves an existing contact alone with updateExistingContacts: false', async () => {
    const seeded = mock.seedContact({ name: 'J. Carter', numbers: ['+14155550199'], emails: [], tags: [] })
    const result = await cloudtalk({ ...mock.options, updateExistingContacts: false }).syncContact(testLead())
    expect(result).toEqual({ contactId: seeded.id, updated: true })
    expect(routes()).toEqual(['GET /contacts/index.json'])
  })

  it('remembers the contact: a second sync of the lead does not search again', async () => {
    const provider = cloudtalk(mock.options)
    const first = await provider.syncContact(testLead())
    const second = await provider.syncContact(testLead())
    expect(second).toEqual({ contactId: first.contactId, updated: true })
    expect(routes()).toEqual([
      'GET /contacts/index.json',
      'PUT /contacts/add.json',
      `POST /contacts/edit/${first.contactId}.json`,
    ])
  })

  it('creates the contact again when the remembered one was deleted at CloudTalk', async () => {
    const provider = cloudtalk(mock.options)
    const first = await provider.syncContact(testLead())
    mock.contacts.delete(first.contactId)
    const second = await provider.syncContact(testLead())
    expect(second.contactId).not.toBe(first.contactId)
    expect(second.updated).toBeUndefined()
  })

  it('creates a duplicate when CloudTalk’s keyword search does not match numbers (UNCONFIRMED behaviour)', async () => {
    mock.setKeywordMatchesNumbers(false)
    mock.seedContact({ name: 'J. Carter', numbers: ['+14155550199'], emails: [], tags: [] })
    await cloudtalk(mock.options).syncContact(testLead())
    expect(mock.contacts.size).toBe(2)
  })

  it('maps a 406 to CONTACT_CREATION_FAILED with CloudTalk’s field messages, not retryable', async () => {
    mock.fail(
      'PUT /contacts/add.json',
      406,
      errorEnvelope(406, 'Invalid input data.', { email: ['Please supply a valid email address.'] }),
    )
    const error = await leadCallError(cloudtalk(mock.options).syncContact(testLead()))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.details).toMatchObject({ fields: { email: ['Please supply a valid email address.'] } })
  })

  it('maps a 500 to a retryable CONTACT_CREATION_FAILED and a 429 to RATE_LIMITED', async () => {
    mock.fail('PUT /contacts/add.json', 500, errorEnvelope(500, 'Something went wrong.'))
    const failed = await leadCallError(cloudtalk(mock.options).syncContact(testLead()))
    expect([failed.code, failed.retryable]).toEqual(['CONTACT_CREATION_FAILED', true])
    mock.fail('GET /contacts/index.json', 429, errorEnvelope(429, 'Too Many Requests'), {
      'X-CloudTalkAPI-ResetTime': String(Math.floor(Date.now() / 1000) + 60),
    })
    const limited = await leadCallError(cloudtalk({ ...mock.options, retries: 0 }).syncContact(testLead()))
    expect(limited.code).toBe('RATE_LIMITED')
  })

  it('refuses a lead without an E.164 phone before any request', async () => {
    const error = await leadCallError(cloudtalk(mock.options).syncContact(testLead('0199')))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(mock.received).toEqual([])
  })

  it('truncates to CloudTalk’s lengths', () => {
    const body = contactBody(
      testLead('+14155550199', { fullName: 'x'.repeat(300), company: 'y'.repeat(300) }),
      [],
    )
    expect((body.name as string).length).toBe(150)
    expect((body.company as string).length).toBe(100)
    expect(body).not.toHaveProperty('ContactsTag')
  })
})

describe('bulkSyncContacts', () => {
  const leads = (count: number, from = 100) =>
    Array.from({ length: count }, (_, i) =>
      testLead(`+1415555${String(from + i).padStart(4, '0')}`, { email: undefined }),
    )

  it('sends at most 10 actions per request and returns one result per lead, in order', async () => {
    const input = leads(23)
    const results = await cloudtalk(mock.options).bulkSyncContacts(input, { dedupe: 'cache' })
    const bulks = mock.requests('POST', '/bulk/contacts.json')
    expect(bulks.map((b) => (b.body as unknown[]).length)).toEqual([10, 10, 3])
    expect(mock.requests('GET', '/contacts/index.json')).toEqual([])
    expect(results).toHaveLength(23)
    expect(results.every((r) => r.ok)).toBe(true)
    expect(results.map((r) => r.lead)).toEqual(input)
    const ids = results.map((r) => (r.ok ? r.contactId : ''))
    expect(new Set(ids).size).toBe(23)
    expect(mock.contacts.get(ids[22] ?? '')?.numbers).toEqual([input[22]?.phone])
    expect((bulks[0]!.body as { action: string; command_id: string }[])[0]).toMatchObject({
      action: 'add_contact',
      command_id: 'lc-0',
      data: { name: 'John Carter', ContactNumber: [{ public_number: '+14155550100' }] },
    })
  })

  it('checks each action’s own result: one refused lead fails alone', async () => {
    const input = [...leads(2), testLead('+14155550900', { fullName: '' as string }), ...leads(1, 200)]
    const results = await cloudtalk(mock.options).bulkSyncContacts(input, { dedupe: 'cache' })
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true])
    const failed = results[2]
    expect(failed?.ok === false && failed.error.code).toBe('CONTACT_CREATION_FAILED')
    expect(failed?.ok === false && failed.error.details).toMatchObject({
      commandId: 'lc-2',
      cloudtalkStatus: 406,
      fields: { name: ['Name is required.'] },
    })
  })

  it('updates the contacts it finds (edit_contact with the integer id) and de-duplicates the batch by phone', async () => {
    const seeded = mock.seedContact({ name: 'Old', numbers: ['+14155550100'], emails: [], tags: [] })
    const input = [...leads(2), testLead('+1 415 555 0101'.replace(/ /g, ''))]
    const results = await cloudtalk(mock.options).bulkSyncContacts(input)
    expect(mock.requests('GET', '/contacts/index.json')).toHaveLength(2)
    const [bulk] = mock.requests('POST', '/bulk/contacts.json')
    expect(bulk?.body).toEqual([
      { action: 'edit_contact', command_id: 'lc-0', data: { id: Number(seeded.id), name: 'John Carter' } },
      {
        action: 'add_contact',
        command_id: 'lc-1',
        data: { name: 'John Carter', ContactNumber: [{ public_number: '+14155550101' }] },
      },
    ])
    expect(results.map((r) => (r.ok ? [r.contactId === seeded.id, r.updated] : r.error.code))).toEqual([
      [true, true],
      [false, false],
      [false, false],
    ])
    expect(results[1]?.ok && results[2]?.ok && results[1].contactId === results[2].contactId).toBe(true)
  })

  it('fails only the chunk CloudTalk refuses', async () => {
    mock.fail('POST /bulk/contacts.json', 500, errorEnvelope(500, `Something went wrong ${KEY_SECRET}`))
    const results = await cloudtalk(mock.options).bulkSyncContacts(leads(12), { dedupe: 'cache' })
    expect(results.map((r) => r.ok)).toEqual([...Array(10).fill(false), true, true])
    const first = results[0]
    expect(first?.ok === false && first.error.code).toBe('CONTACT_CREATION_FAILED')
    expect(first?.ok === false && first.error.message).not.toContain(KEY_SECRET)
    expect(mock.requests('POST', '/bulk/contacts.json')).toHaveLength(2)
  })

  it('reports invalid leads without sending them, and an empty list without a request', async () => {
    const results = await cloudtalk(mock.options).bulkSyncContacts([testLead('12'), ...leads(1)], {
      dedupe: 'cache',
    })
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['VALIDATION_FAILED', 'ok'])
    mock.reset()
    expect(await cloudtalk(mock.options).bulkSyncContacts([])).toEqual([])
    expect(mock.received).toEqual([])
  })

  it('stops at once when aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(
      cloudtalk(mock.options).bulkSyncContacts(leads(3), { signal: controller.signal }),
    ).rejects.toThrow('stop')
    expect(mock.received).toEqual([])
  })
})

describe('campaign mode', () => {
  const campaigns = { [AGENT_ID]: { tag: 'lc-alice', campaignId: 77 }, bob: 'lc-bob' }
  const alice = testAgent('alice', AGENT_ID)
  const bob = testAgent('bob', null)

  it('creates the tag and the lead’s contact with the agent’s tag, and places no call', async () => {
    const provider = cloudtalk({ ...mock.options, mode: 'campaign', campaigns, contactTags: ['leadcall'] })
    const result = await provider.dial(testDial({ agent: alice }))
    expect(routes()).toEqual(['PUT /tags/add.json', 'GET /contacts/index.json', 'PUT /contacts/add.json'])
    expect(mock.received[0]?.body).toEqual({ name: 'lc-alice' })
    const contact = [...mock.contacts.values()][0]
    expect(contact?.tags).toEqual(['leadcall', 'lc-alice'])
    expect(result.providerCallId).toBeUndefined()
    expect(result.raw).toEqual({
      mode: 'campaign',
      tag: 'lc-alice',
      campaignId: 77,
      contactId: contact?.id,
      created: true,
      added: ['lc-alice'],
      removed: [],
    })
    expect(mock.requests('POST', '/calls/create.json')).toEqual([])
  })

  it('moves the tag when the lead is reassigned: removes the previous agent’s tag, keeps the others', async () => {
    const seeded = mock.seedContact({
      name: 'J',
      numbers: ['+14155550199'],
      emails: [],
      tags: ['vip', 'lc-alice'],
    })
    const provider = cloudtalk({ ...mock.options, campaigns })
    const result = await provider.dial(testDial({ agent: bob, mode: 'campaign' }))
    expect(routes()).toEqual([
      'PUT /tags/add.json',
      'GET /contacts/index.json',
      `GET /contacts/show/${seeded.id}.json`,
      `DELETE /contacts/removeTags/${seeded.id}.json`,
      `PUT /contacts/addTags/${seeded.id}.json`,
    ])
    expect(mock.requests('DELETE', '/contacts/removeTags')[0]?.body).toEqual({ tags: ['lc-alice'] })
    expect(mock.requests('PUT', '/contacts/addTags')[0]?.body).toEqual({ tags: ['lc-bob'] })
    expect(mock.contacts.get(seeded.id)?.tags).toEqual(['vip', 'lc-bob'])
    expect(result.raw).toMatchObject({ created: false, added: ['lc-bob'], removed: ['lc-alice'] })
  })

  it('changes nothing when the contact already has the agent’s tag only', async () => {
    const seeded = mock.seedContact({ name: 'J', numbers: ['+14155550199'], emails: [], tags: ['lc-alice'] })
    const result = await cloudtalk({ ...mock.options, campaigns }).dial(
      testDial({ agent: alice, mode: 'campaign' }),
    )
    expect(result.raw).toMatchObject({ contactId: seeded.id, added: [], removed: [] })
    expect(mock.requests('PUT', '/contacts/addTags')).toEqual([])
    expect(mock.requests('DELETE', '/contacts/removeTags')).toEqual([])
  })

  it('creates each tag once per provider, and takes “already used” (406) as existing', async () => {
    mock.tags.set('lc-alice', '5')
    const provider = cloudtalk({ ...mock.options, campaigns })
    await provider.dial(testDial({ agent: alice, mode: 'campaign' }))
    await provider.dial(testDial({ agent: alice, mode: 'campaign', lead: testLead('+14155550123') }))
    expect(mock.requests('PUT', '/tags/add.json')).toHaveLength(1)
    expect(mock.answers.find((a) => a.route === 'PUT /tags/add.json')?.status).toBe(406)
  })

  it('does not create tags with ensureCampaignTags: false', async () => {
    await cloudtalk({ ...mock.options, campaigns, ensureCampaignTags: false }).dial(
      testDial({ agent: alice, mode: 'campaign' }),
    )
    expect(mock.requests('PUT', '/tags/add.json')).toEqual([])
  })

  it('refuses an agent without a campaign', async () => {
    const error = await leadCallError(
      cloudtalk({ ...mock.options, campaigns }).dial(
        testDial({ agent: testAgent('carol', '42'), mode: 'campaign' }),
      ),
    )
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toContain('42')
    expect(mock.received).toEqual([])
  })

  it('never creates the same contact twice when a sync and a campaign dial of one lead race', async () => {
    const provider = cloudtalk({ ...mock.options, campaigns })
    await Promise.all([
      provider.syncContact(testLead()),
      provider.dial(testDial({ agent: alice, mode: 'campaign' })),
      provider.syncContact(testLead()),
    ])
    expect(mock.contacts.size).toBe(1)
    expect([...mock.contacts.values()][0]?.tags).toEqual(['lc-alice'])
  })

  it('correlates the campaign’s call to the attempt when CloudTalk’s dialer places it', async () => {
    const provider = cloudtalk({ ...mock.options, campaigns })
    const request = testDial({ agent: alice, mode: 'campaign' })
    await provider.dial(request)
    const [event] = await provider.parseWebhook(
      new Request('https://hooks.example.com/webhooks/cloudtalk', {
        method: 'POST',
        headers: { 'x-leadcall-secret': mock.options.webhookSecret, 'content-type': 'application/json' },
        body: JSON.stringify({
          event: 'call_answered',
          call_id: 8,
          agent_id: 1234,
          external_number: '14155550199',
        }),
      }),
    )
    expect(event).toMatchObject({ type: 'answered', attemptId: request.attemptId })
  })
})
