/**
 * Contract tests against Twilio's own OpenAPI description (twilio/twilio-oai, api v2010): every
 * request the adapter sends uses only parameters the spec defines, with valid values, and every
 * Call resource the mock answers with (the fixtures the other tests rely on) matches the spec's
 * schema. The spec's own examples go through the adapter's zod schemas.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ACCOUNT_SID, callResource, twilioMock } from './twilio-mock.test-util.js'
import { twilio } from './twilio-provider.js'
import { TwilioCallSchema, TwilioMessageSchema } from './twilio-schemas.js'

type Schema = {
  $ref?: string
  type?: string
  format?: string
  nullable?: boolean
  enum?: unknown[]
  pattern?: string
  minLength?: number
  maxLength?: number
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
}
type Operation = {
  parameters?: { name: string; in: string; schema: Schema; required?: boolean }[]
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses: Record<
    string,
    { content?: Record<string, { schema: Schema; examples?: Record<string, { value: unknown }> }> }
  >
}
type Spec = {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const SUBSET = fileURLToPath(new URL('../test/fixtures/twilio-api-v2010-subset.json', import.meta.url))
/** The full spec, kept outside the repository (see ../shared/specs/README.md); used when present. */
const FULL = fileURLToPath(new URL('../../../../shared/specs/twilio_api_v2010.json', import.meta.url))
const spec = JSON.parse(readFileSync(SUBSET, 'utf8')) as Spec

const CALLS = '/2010-04-01/Accounts/{AccountSid}/Calls.json'
const CALL = '/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json'
const MESSAGES = '/2010-04-01/Accounts/{AccountSid}/Messages.json'

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema
  const name = schema.$ref.replace('#/components/schemas/', '')
  const target = spec.components.schemas[name]
  if (!target) throw new Error(`unresolved ${schema.$ref}`)
  return resolve(target)
}

/** Checks a JSON value against an OpenAPI 3.0 schema (the subset Twilio's spec uses); lists problems. */
function check(raw: Schema, value: unknown, path: string, strict = true): string[] {
  const schema = resolve(raw)
  if (value === null) return schema.nullable ? [] : [`${path}: null is not allowed`]
  const errors: string[] = []
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string, got ${typeof value}`]
      if (schema.minLength !== undefined && value.length < schema.minLength)
        errors.push(`${path}: shorter than ${schema.minLength}`)
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        errors.push(`${path}: longer than ${schema.maxLength}`)
      if (schema.pattern && !new RegExp(schema.pattern).test(value))
        errors.push(`${path}: does not match ${schema.pattern}`)
      if (schema.format === 'uri' && !URL.canParse(value)) errors.push(`${path}: not a URI`)
      break
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: expected an integer`)
      break
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean`)
      break
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected an array`]
      for (const [index, item] of value.entries()) {
        errors.push(...check(schema.items ?? {}, item, `${path}[${index}]`, strict))
      }
      break
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`]
      if (schema.properties) {
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          const property = schema.properties[key]
          if (property) errors.push(...check(property, item, `${path}.${key}`, strict))
          else if (strict) errors.push(`${path}.${key}: not defined by the spec`)
        }
      }
      for (const key of schema.required ?? []) {
        if (!(key in (value as Record<string, unknown>))) errors.push(`${path}.${key}: required`)
      }
      break
  }
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  return errors
}

/** Checks a form-encoded request body against the operation's schema: names, required, typed values. */
function checkForm(operation: Operation, form: URLSearchParams): string[] {
  const schema = resolve(operation.requestBody?.content['application/x-www-form-urlencoded']?.schema ?? {})
  const properties = schema.properties ?? {}
  const errors: string[] = []
  for (const name of new Set(form.keys())) {
    const property = properties[name]
    if (!property) {
      errors.push(`${name}: not a parameter of this operation`)
      continue
    }
    const resolved = resolve(property)
    const values = form.getAll(name)
    if (resolved.type !== 'array' && values.length > 1) errors.push(`${name}: repeated but not an array`)
    // Form values are strings: convert to the type the spec declares before checking.
    const typed = (item: Schema, text: string): unknown => {
      const t = resolve(item).type
      if (t === 'integer') return /^-?\d+$/.test(text) ? Number(text) : text
      if (t === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
      return text
    }
    const value =
      resolved.type === 'array'
        ? values.map((v) => typed(resolved.items ?? {}, v))
        : typed(resolved, values[0] ?? '')
    errors.push(...check(resolved, value, name))
  }
  for (const name of schema.required ?? []) if (!form.has(name)) errors.push(`${name}: required`)
  return errors
}

function operation(path: string, method: string): Operation {
  const found = spec.paths[path]?.[method]
  if (!found) throw new Error(`${method} ${path} is not in the spec subset`)
  return found
}

const mock = twilioMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => mock.reset())
afterAll(() => mock.server.close())

const TIME = '2026-01-15T15:00:00.000Z'
const request = {
  attemptId: 'att-1',
  processId: 'proc-1',
  timeoutMs: 30_000,
  agent: {
    id: 'alice',
    name: 'Alice',
    phone: '+14155550100',
    status: 'available' as const,
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs: {},
    metadata: {},
    createdAt: TIME,
    updatedAt: TIME,
    statusChangedAt: TIME,
  },
  lead: {
    id: 'lead-1',
    phone: '+14155550199',
    fullName: 'John Carter',
    firstName: 'John',
    source: 'api',
    priority: 'normal' as const,
    tags: [],
    custom: {},
    receivedAt: TIME,
  },
}

describe('requests match POST /Calls.json', () => {
  const create = operation(CALLS, 'post')
  const variants = {
    'agent-first, inline TwiML': {},
    'lead-first with machine detection and recording': {
      mode: 'lead_first' as const,
      machineDetection: 'DetectMessageEnd' as const,
      record: true,
      recordingStatusCallbackUrl: 'https://hooks.example.com/recordings',
    },
    'voice URL mode': { voiceUrl: 'https://hooks.example.com/twilio/voice' },
  }

  it.each(Object.entries(variants))('%s', async (_label, settings) => {
    await twilio({ ...mock.options, ...settings }).dial(request)
    const [sent] = mock.creates()
    expect(sent).toBeDefined()
    expect(checkForm(create, sent?.form ?? new URLSearchParams())).toEqual([])
    // Exactly one source of instructions, and every progress event a value of call_enum_event.
    expect(['Twiml', 'Url', 'ApplicationSid'].filter((name) => sent?.form.has(name))).toHaveLength(1)
    const events = resolve({ $ref: '#/components/schemas/call_enum_event' }).enum
    for (const event of sent?.form.getAll('StatusCallbackEvent') ?? []) expect(events).toContain(event)
  })

  it('names the account by a valid AccountSid path parameter', () => {
    const parameter = create.parameters?.find((p) => p.name === 'AccountSid')
    expect(parameter && check(parameter.schema, ACCOUNT_SID, 'AccountSid')).toEqual([])
  })
})

describe('requests match POST /Calls/{Sid}.json and POST /Messages.json', () => {
  it('hangs up with a Status of call_enum_update_status', async () => {
    const provider = twilio({ ...mock.options, callsPerSecond: 1000 })
    const { providerCallId } = await provider.dial(request)
    mock.setStatus(providerCallId ?? '', 'ringing')
    await provider.hangup(providerCallId ?? '')
    mock.setStatus(providerCallId ?? '', 'in-progress')
    await provider.hangup(providerCallId ?? '')
    const updates = mock.received.filter((r) => r.method === 'POST' && r.path.startsWith('/Calls/'))
    expect(updates.map((u) => u.form.get('Status'))).toEqual(['canceled', 'completed'])
    for (const update of updates) expect(checkForm(operation(CALL, 'post'), update.form)).toEqual([])
  })

  it('sends WhatsApp messages with Messages API parameters only', async () => {
    const provider = twilio({ ...mock.options, callsPerSecond: 1000 })
    await provider.sendWhatsApp({
      to: '+15551234567',
      body: 'hi',
      mediaUrl: ['https://cdn.example.com/a.png'],
    })
    await provider.sendWhatsApp({
      to: '+15551234567',
      contentSid: 'HX0123456789abcdef0123456789abcdef',
      contentVariables: { 1: 'Jane' },
      statusCallback: 'https://hooks.example.com/status',
    })
    const sent = mock.received.filter((r) => r.path === '/Messages.json')
    expect(sent).toHaveLength(2)
    for (const message of sent) expect(checkForm(operation(MESSAGES, 'post'), message.form)).toEqual([])
  })
})

describe('the mock answers with the spec’s resources', () => {
  const call = { $ref: '#/components/schemas/api.v2010.account.call' }

  it.each(['queued', 'ringing', 'in-progress', 'completed', 'canceled'])('a %s Call resource', (status) => {
    const form = new URLSearchParams({ To: '+14155550100', From: '+14155550000' })
    expect(check(call, callResource('CA0123456789abcdef0123456789abcdef', form, status), 'call')).toEqual([])
  })

  it('the create-call answer the adapter receives', async () => {
    const captured: unknown[] = []
    const spy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      captured.push(await response.clone().json())
      return response
    }
    await twilio({ ...mock.options, fetch: spy }).dial(request)
    expect(captured).toHaveLength(1)
    expect(check(call, captured[0], 'call')).toEqual([])
    const [status] = Object.keys(operation(CALLS, 'post').responses)
    expect(status).toBe('201')
  })

  it('a Message resource', async () => {
    const captured: unknown[] = []
    const spy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      captured.push(await response.clone().json())
      return response
    }
    await twilio({ ...mock.options, fetch: spy }).sendWhatsApp({ to: '+15551234567', body: 'hi' })
    expect(check({ $ref: '#/components/schemas/api.v2010.account.message' }, captured[0], 'message')).toEqual(
      [],
    )
  })
})

describe('the spec’s examples go through the adapter’s zod schemas', () => {
  const examples = (path: string, method: string, status: string): unknown[] =>
    Object.values(
      operation(path, method).responses[status]?.content?.['application/json']?.examples ?? {},
    ).map((example) => example.value)

  it('Call create, fetch and update examples parse as TwilioCall', () => {
    const all = [
      ...examples(CALLS, 'post', '201'),
      ...examples(CALL, 'get', '200'),
      ...examples(CALL, 'post', '200'),
    ]
    expect(all.length).toBeGreaterThanOrEqual(3)
    for (const value of all) {
      expect(check({ $ref: '#/components/schemas/api.v2010.account.call' }, value, 'example')).toEqual([])
      const parsed = TwilioCallSchema.parse(value)
      expect(parsed.sid).toMatch(/^CA/)
      expect(parsed.status).toBeDefined()
    }
  })

  it('Message create examples parse as TwilioMessage', () => {
    const all = examples(MESSAGES, 'post', '201')
    expect(all.length).toBeGreaterThan(0)
    for (const value of all) expect(TwilioMessageSchema.parse(value).sid).toMatch(/^(SM|MM)/)
  })
})

describe.skipIf(!existsSync(FULL))('the spec subset', () => {
  it('still matches the full twilio_api_v2010.json', () => {
    const full = JSON.parse(readFileSync(FULL, 'utf8')) as Spec
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) expect(full.paths[path]?.[method]).toEqual(op)
    }
    for (const [name, schema] of Object.entries(spec.components.schemas)) {
      expect(full.components.schemas[name]).toEqual(schema)
    }
  })
})
