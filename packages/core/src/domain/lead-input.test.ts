import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { fromGenericLead } from './generic-lead-input.js'
import { fromGoHighLevelContact, fromGoHighLevelWorkflow } from './gohighlevel-input.js'
import { detectLeadFormat, LeadInputSchema } from './lead-input.js'

/** A GoHighLevel Marketplace `ContactCreate` webhook body (PROVIDERS.md 5.1). */
const ghlContactCreate = {
  type: 'ContactCreate',
  locationId: 've9EPM428h8vShlRW1KT',
  id: 'nmFmQEsNgz6AVpgLVUJ0',
  address1: '3535 1st St N',
  city: 'ruDolomite',
  state: 'AL',
  companyName: 'Loram ipsum',
  country: 'US',
  source: 'public api',
  dateAdded: '2026-06-19T09:21:04.000Z',
  dateOfBirth: '1990-09-25T00:00:00.000Z',
  dnd: false,
  email: 'JohnDeo@gmail.com ',
  name: 'John Deo',
  firstName: 'John',
  lastName: 'Deo',
  phone: '+14155552671',
  postalCode: '452001',
  tags: ['nisi sint commodo amet', 'consequat', 'consequat'],
  website: 'https://www.tesla.com',
  attachments: [],
  assignedTo: 'nmFmQEsNgz6AVpgLVUJ0',
  customFields: [
    { id: 'BcdmQEsNgz6AVpgLVUJ0', value: 'A' },
    { id: 'MgobCB14YMVKuE4Ka8p1', value: ['Option 1', 'Option 2'] },
    { id: 'TufmQEsNgz6AVpgLVUJ0', value: 12 },
  ],
  timezone: 'America/Chicago',
  webhookId: '8f3c2b9e-4c1a-4b8e-9a37-0b1e5b2d6f11',
  timestamp: '2026-06-19T09:21:05.123Z',
}

/** A GoHighLevel workflow "Webhook" action body (PROVIDERS.md 5.4). */
const ghlWorkflow = {
  contact_id: 'ZfYnN4dD1PqY6V2tHkLm',
  first_name: 'Giulia',
  last_name: 'Bianchi',
  full_name: 'Giulia Bianchi',
  email: 'giulia.bianchi@example.it',
  phone: '347 123 4567',
  tags: 'facebook lead, hot ,  ,facebook lead',
  country: 'IT',
  timezone: 'Europe/Rome',
  date_created: '2026-06-18T14:02:11.000Z',
  contact_source: 'Facebook Form',
  full_address: 'Via Roma 1, Milano',
  contact_type: 'lead',
  'Budget Range': '10-20k',
  location: {
    name: 'Acme Milano',
    address: 'Via Torino 2',
    city: 'Milano',
    state: 'MI',
    country: 'IT',
    postalCode: '20123',
    fullAddress: 'Via Torino 2, 20123 Milano MI',
    id: 'LoC4t10nId000000001',
  },
  user: { firstName: 'Marco', lastName: 'Verdi', email: 'marco@acme.example', phone: '+393331112222' },
  workflow: { id: 'wf-1', name: 'New lead → call' },
  triggerData: {},
  contact: { attributionSource: { medium: 'facebook' }, lastAttributionSource: {} },
  attributionSource: {},
  customData: { priority: 'High', campaign: 'spring-2026' },
}

describe('detectLeadFormat', () => {
  it('tells the formats apart', () => {
    expect(detectLeadFormat(ghlContactCreate)).toBe('ghl-contact-create')
    expect(detectLeadFormat(ghlWorkflow)).toBe('ghl-workflow')
    expect(detectLeadFormat({ location: { id: 'x' }, full_name: 'A B' })).toBe('ghl-workflow')
    expect(detectLeadFormat({ name: 'A', phone: '1' })).toBe('generic')
    expect(detectLeadFormat({ type: 'ContactUpdate' })).toBe('generic')
    expect(detectLeadFormat(null)).toBe('generic')
    expect(detectLeadFormat([ghlWorkflow])).toBe('generic')
    expect(detectLeadFormat('ContactCreate')).toBe('generic')
  })
})

describe('fromGenericLead', () => {
  it('maps a generic payload, accepting the usual spellings', () => {
    const raw = fromGenericLead({
      fullName: 'Ada Lovelace',
      phone_number: '+44 20 7946 0958',
      email: '  Ada@Example.COM ',
      companyName: 'Analytical Engines Ltd',
      priority: 'URGENT',
      tags: 'vip, webinar,vip',
      customFields: { plan: 'pro' },
      custom: { seats: 12 },
      source: 'landing-page',
      id: 42,
      timezone: 'Europe/London',
      consent: true,
      unknownField: { ignored: true },
      company: null,
    })
    expect(raw).toEqual({
      name: 'Ada Lovelace',
      phone: '+44 20 7946 0958',
      email: 'ada@example.com',
      company: 'Analytical Engines Ltd',
      priority: 'urgent',
      tags: ['vip', 'webinar'],
      custom: { plan: 'pro', seats: 12 },
      source: 'landing-page',
      externalId: '42',
      timezone: 'Europe/London',
      consent: { call: true },
    })
  })

  it('reads a consent object and the medium alias', () => {
    const raw = fromGenericLead({
      phone: '4155552671',
      priority: ' medium ',
      consent: { call: true, sms: false, recordedAt: '2026-06-19T11:00:00+02:00' },
    })
    expect(raw.priority).toBe('normal')
    expect(raw.consent).toEqual({ call: true, sms: false, recordedAt: '2026-06-19T09:00:00.000Z' })
  })

  it('lists every problem at once', () => {
    try {
      fromGenericLead({
        phone: '4155552671',
        email: 'not-an-email',
        priority: 'asap',
        timezone: 'Mars/Base',
        tags: 3,
      })
      expect.unreachable()
    } catch (error) {
      expect(LeadCallError.isInstance(error)).toBe(true)
      const { code, details } = error as LeadCallError
      expect(code).toBe('VALIDATION_FAILED')
      const paths = (details as { issues: { path: string }[] }).issues.map((issue) => issue.path)
      expect(paths).toEqual(expect.arrayContaining(['email', 'priority', 'timezone', 'tags']))
    }
  })
})

describe('fromGoHighLevelContact', () => {
  it('maps a ContactCreate payload', () => {
    expect(fromGoHighLevelContact(ghlContactCreate)).toEqual({
      name: 'John Deo',
      firstName: 'John',
      lastName: 'Deo',
      phone: '+14155552671',
      country: 'US',
      email: 'johndeo@gmail.com',
      company: 'Loram ipsum',
      source: 'gohighlevel',
      externalId: 'nmFmQEsNgz6AVpgLVUJ0',
      tags: ['nisi sint commodo amet', 'consequat'],
      custom: {
        locationId: 've9EPM428h8vShlRW1KT',
        assignedTo: 'nmFmQEsNgz6AVpgLVUJ0',
        ghlSource: 'public api',
        customFields: {
          BcdmQEsNgz6AVpgLVUJ0: 'A',
          MgobCB14YMVKuE4Ka8p1: ['Option 1', 'Option 2'],
          TufmQEsNgz6AVpgLVUJ0: 12,
        },
      },
      timezone: 'America/Chicago',
      dnd: false,
    })
  })

  it('refuses a payload of another type', () => {
    expect(() => fromGoHighLevelContact({ ...ghlContactCreate, type: 'ContactDelete' })).toThrow(
      LeadCallError,
    )
  })
})

describe('fromGoHighLevelWorkflow', () => {
  it('maps a workflow webhook payload with comma-separated tags', () => {
    expect(fromGoHighLevelWorkflow(ghlWorkflow)).toEqual({
      name: 'Giulia Bianchi',
      firstName: 'Giulia',
      lastName: 'Bianchi',
      phone: '347 123 4567',
      country: 'IT',
      email: 'giulia.bianchi@example.it',
      source: 'gohighlevel',
      externalId: 'ZfYnN4dD1PqY6V2tHkLm',
      priority: 'high',
      tags: ['facebook lead', 'hot'],
      custom: {
        priority: 'High',
        campaign: 'spring-2026',
        locationId: 'LoC4t10nId000000001',
        locationName: 'Acme Milano',
        ghlSource: 'Facebook Form',
        assignedUser: {
          firstName: 'Marco',
          lastName: 'Verdi',
          email: 'marco@acme.example',
          phone: '+393331112222',
        },
        workflowId: 'wf-1',
        workflowName: 'New lead → call',
      },
      timezone: 'Europe/Rome',
    })
  })

  it('ignores a priority in customData it does not know', () => {
    const raw = fromGoHighLevelWorkflow({ ...ghlWorkflow, customData: { priority: 'someday' } })
    expect(raw.priority).toBeUndefined()
    expect(raw.custom.priority).toBe('someday')
  })
})

describe('LeadInputSchema', () => {
  it('detects the format and maps to a raw lead', () => {
    expect(LeadInputSchema.parse(ghlContactCreate)).toEqual(fromGoHighLevelContact(ghlContactCreate))
    expect(LeadInputSchema.parse(ghlWorkflow)).toEqual(fromGoHighLevelWorkflow(ghlWorkflow))
    expect(LeadInputSchema.parse({ phone: '4155552671' })).toEqual({
      phone: '4155552671',
      tags: [],
      custom: {},
    })
  })

  it('reports the problems with their paths', () => {
    const result = LeadInputSchema.safeParse({ ...ghlContactCreate, email: 'nope' })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['email']])
  })
})
