/**
 * Contract tests against CloudTalk's own OpenAPI document (API v1.7): every request the adapter
 * sends uses only operations, parameters and body fields the spec defines, with values of the
 * declared types, and every answer the mock gives (the fixtures the other tests rely on) matches
 * the spec's response schema. The spec's own examples go through the adapter's zod schemas.
 *
 * CloudTalk's examples contradict its declared scalar types (ids declared integers are sent as
 * `"12345"`, `status` declared a string is sent as `200`, numbers declared strings are sent as
 * `442012345678`): answers are checked treating a number and its decimal string as the same
 * scalar, and nothing else leniently (objects, arrays, enums, required and unknown properties stay
 * strict). Requests are checked strictly, types included.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Lead } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CloudTalkAgentsEnvelopeSchema,
  CloudTalkErrorEnvelopeSchema,
  CloudTalkStatusEnvelopeSchema,
} from './cloudtalk-envelope.js'
import { AGENT_ID, cloudtalkMock } from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'
import {
  CloudTalkBulkEnvelopeSchema,
  CloudTalkCallsEnvelopeSchema,
  CloudTalkContactShowEnvelopeSchema,
  CloudTalkContactsEnvelopeSchema,
  CloudTalkCreatedEnvelopeSchema,
} from './cloudtalk-schemas.js'

type Schema = {
  $ref?: string
  type?: string
  format?: string
  enum?: unknown[]
  maxLength?: number
  maxItems?: number
  minimum?: number
  maximum?: number
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
  oneOf?: (Schema & { title?: string })[]
}
type Parameter = { name: string; in: string; required?: boolean; schema: Schema }
type Operation = {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses: Record<string, { content?: Record<string, { schema: Schema; example?: unknown }> }>
}
type Spec = {
  servers: { url: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const SUBSET = fileURLToPath(new URL('../test/fixtures/cloudtalk-openapi-subset.json', import.meta.url))
/** The full spec, kept outside the repository (see ../shared/specs/README.md); used when present. */
const FULL = fileURLToPath(new URL('../../../../shared/specs/cloudtalk_openapi.json', import.meta.url))
const spec = JSON.parse(readFileSync(SUBSET, 'utf8')) as Spec

/** Resolves `$ref`s, deep ones too (`#/components/schemas/Contact/properties/name`). */
function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema
  let target: unknown = spec
  for (const part of schema.$ref.replace(/^#\//, '').split('/')) {
    target = (target as Record<string, unknown> | undefined)?.[part]
  }
  if (!target) throw new Error(`unresolved ${schema.$ref}`)
  return resolve(target as Schema)
}

interface Mode {
  /** Unknown properties are errors. */
  strict: boolean
  /** A number and its decimal string are the same scalar (CloudTalk's examples). */
  lenientScalars: boolean
}

const REQUEST: Mode = { strict: true, lenientScalars: false }
const ANSWER: Mode = { strict: true, lenientScalars: true }

const isNumeric = (value: unknown): boolean =>
  (typeof value === 'number' && Number.isFinite(value)) ||
  (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))

/** Checks a JSON value against an OpenAPI 3.0 schema (the subset CloudTalk's spec uses); lists problems. */
function check(raw: Schema, value: unknown, path: string, mode: Mode): string[] {
  const schema = resolve(raw)
  if (schema.oneOf) {
    const results = schema.oneOf.map((alternative) => check(alternative, value, path, mode))
    return results.some((errors) => errors.length === 0)
      ? []
      : [
          `${path}: matches none of ${schema.oneOf.length} alternatives (${results.map((r) => r[0]).join(' | ')})`,
        ]
  }
  if (value === null || value === undefined) return [`${path}: null is not allowed`]
  const errors: string[] = []
  const type = schema.type ?? (schema.properties ? 'object' : undefined)
  switch (type) {
    case 'string':
      if (typeof value === 'string') {
        if (schema.maxLength !== undefined && value.length > schema.maxLength)
          errors.push(`${path}: longer than ${schema.maxLength}`)
        if (schema.format === 'date-time' && !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(value))
          errors.push(`${path}: not a date-time`)
      } else if (!(mode.lenientScalars && isNumeric(value))) {
        return [`${path}: expected a string, got ${JSON.stringify(value)}`]
      }
      break
    case 'integer':
    case 'number': {
      const ok =
        type === 'integer'
          ? Number.isInteger(value) ||
            (mode.lenientScalars && typeof value === 'string' && /^-?\d+$/.test(value))
          : (typeof value === 'number' && Number.isFinite(value)) || (mode.lenientScalars && isNumeric(value))
      if (!ok)
        return [
          `${path}: expected ${type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`,
        ]
      const number = Number(value)
      if (schema.minimum !== undefined && number < schema.minimum)
        errors.push(`${path}: below ${schema.minimum}`)
      if (schema.maximum !== undefined && number > schema.maximum)
        errors.push(`${path}: above ${schema.maximum}`)
      break
    }
    case 'boolean':
      if (typeof value !== 'boolean') return [`${path}: expected a boolean, got ${JSON.stringify(value)}`]
      break
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected an array`]
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        errors.push(`${path}: more than ${schema.maxItems} items`)
      for (const [index, item] of value.entries())
        errors.push(...check(schema.items ?? {}, item, `${path}[${index}]`, mode))
      break
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`]
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const property = schema.properties?.[key]
        if (property) errors.push(...check(property, item, `${path}.${key}`, mode))
        else if (mode.strict && schema.properties && Object.keys(schema.properties).length > 0)
          errors.push(`${path}.${key}: not defined by the spec`)
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

/** The operation of a request path (`/contacts/edit/12.json` → `/contacts/edit/{contactId}.json`). */
function operationOf(
  method: string,
  path: string,
): { template: string; op: Operation; params: Record<string, string> } {
  for (const [template, methods] of Object.entries(spec.paths)) {
    const names: string[] = []
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name)
      return '([^/]+)'
    })
    const match = new RegExp(`^${pattern}$`).exec(path)
    const op = methods[method.toLowerCase()]
    if (match && op) {
      return { template, op, params: Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])) }
    }
  }
  throw new Error(`${method} ${path} is not an operation of the spec subset`)
}

/** Checks a parameter's text value against its schema. */
function checkParameter(parameter: Parameter, text: string): string[] {
  const schema = resolve(parameter.schema)
  const value = schema.type === 'integer' ? (/^-?\d+$/.test(text) ? Number(text) : text) : text
  return check(schema, value, `${parameter.in}:${parameter.name}`, REQUEST)
}

/** Every problem of one request the adapter sent. */
function checkRequest(method: string, path: string, query: URLSearchParams, body: unknown): string[] {
  const { template, op, params } = operationOf(method, path)
  const errors: string[] = []
  const parameters = op.parameters ?? []
  for (const [name, text] of Object.entries(params)) {
    const parameter = parameters.find((p) => p.in === 'path' && p.name === name)
    if (!parameter) errors.push(`${template}: path parameter ${name} not defined`)
    else errors.push(...checkParameter(parameter, decodeURIComponent(text)))
  }
  for (const name of new Set(query.keys())) {
    const parameter = parameters.find((p) => p.in === 'query' && p.name === name)
    if (!parameter) errors.push(`${template}: query parameter ${name} not defined`)
    else errors.push(...checkParameter(parameter, query.get(name) ?? ''))
  }
  for (const parameter of parameters) {
    if (parameter.required && parameter.in === 'query' && !query.has(parameter.name))
      errors.push(`${template}: ${parameter.name} required`)
  }
  const schema = op.requestBody?.content['application/json']?.schema
  if (schema === undefined) {
    if (body !== undefined) errors.push(`${template}: sends a body the operation does not take`)
  } else if (body === undefined) {
    errors.push(`${template}: body required`)
  } else if (template === '/bulk/contacts.json') {
    errors.push(...checkBulk(schema, body))
  } else {
    errors.push(...check(schema, body, 'body', REQUEST))
  }
  return errors
}

/** Bulk actions: each `data` must match the alternative of its `action` (`add_contact` → "add contact"). */
function checkBulk(raw: Schema, body: unknown): string[] {
  const schema = resolve(raw)
  const item = resolve(schema.items ?? {})
  const dataSchema = resolve(item.properties?.data ?? {})
  const shell: Schema = { ...item, properties: { ...item.properties, data: {} } }
  const errors = check({ ...schema, items: shell }, body, 'body', REQUEST)
  for (const [index, action] of (Array.isArray(body) ? body : []).entries()) {
    const { action: name, data } = action as { action: string; data: unknown }
    const alternative = dataSchema.oneOf?.find((alt) => alt.title === name.replace('_', ' '))
    if (!alternative) errors.push(`body[${index}].action ${name}: no data schema`)
    else errors.push(...check(alternative, data, `body[${index}].data`, REQUEST))
  }
  return errors
}

/**
 * Fields CloudTalk's own example of an answer has that its schema does not define; the mock may
 * send them (each is checked to be in the example).
 */
const EXAMPLE_ONLY: Record<string, string[]> = { 'PUT /tags/add.json 201': ['data.id'] }

/** Every problem of one answer the mock gave, checked against the operation's response schema. */
function checkAnswer(route: string, status: number, body: unknown): string[] {
  const [method = '', template = ''] = route.split(' ')
  const op = spec.paths[template]?.[method.toLowerCase()]
  if (!op) return [`${route}: not in the spec subset`]
  const response = op.responses[String(status)]
  if (!response) return [`${route}: status ${status} not declared`]
  const schema = response.content?.['application/json']?.schema
  if (!schema) return [`${route} ${status}: no JSON schema`]
  const envelope = body as { responseData?: unknown }
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'responseData')
    return [`${route} ${status}: not a { responseData } envelope`]
  // Most schemas describe what is inside `responseData`; the bulk one includes it.
  const inside = resolve(schema).properties?.responseData === undefined
  let value = inside ? envelope.responseData : body
  for (const path of EXAMPLE_ONLY[`${route} ${status}`] ?? []) value = without(value, path)
  return check(schema, value, 'responseData', ANSWER)
}

function without(value: unknown, path: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>
  const parts = path.split('.')
  let target: Record<string, unknown> | undefined = copy
  for (const part of parts.slice(0, -1)) target = target?.[part] as Record<string, unknown> | undefined
  if (target) delete target[parts.at(-1) ?? '']
  return copy
}

const mock = cloudtalkMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => mock.reset())
afterAll(() => mock.server.close())

const TIME = '2026-01-15T15:00:00.000Z'
function lead(phone: string, extra: Partial<Lead> = {}): Lead {
  return {
    id: `lead-${phone}`,
    phone,
    fullName: 'John Carter',
    firstName: 'John',
    lastName: 'Carter',
    email: 'john.carter@example.com',
    company: 'Carter & Sons',
    source: 'api',
    priority: 'normal',
    tags: [],
    custom: {},
    receivedAt: TIME,
    ...extra,
  }
}
function agent(id: string, ref: string) {
  return {
    id,
    name: id,
    phone: '+14155550100',
    status: 'available' as const,
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs: { cloudtalk: ref },
    metadata: {},
    createdAt: TIME,
    updatedAt: TIME,
    statusChangedAt: TIME,
  }
}

/** Drives every operation the adapter uses, successes and documented failures. */
async function everything(): Promise<void> {
  mock.setAgents([mock.agent(), mock.agent({ id: '5678', availability_status: 'paused' })])
  const provider = cloudtalk({
    ...mock.options,
    precheckAgent: true,
    campaigns: { [AGENT_ID]: { tag: 'lc-alice', campaignId: 77 }, '5678': 'lc-bob' },
    contactTags: ['leadcall'],
    historyPollAfterMs: 0,
  })
  const request = {
    attemptId: 'att-1',
    processId: 'proc-1',
    timeoutMs: 30_000,
    agent: agent('alice', AGENT_ID),
    lead: lead('+14155550199'),
  }
  await provider.dial(request)
  mock.addCdr(mock.placed[0]!, 'answered')
  await provider.pollCallHistory({ all: true })
  await provider.dial({ ...request, attemptId: 'att-2', mode: 'campaign' })
  await provider.dial({ ...request, attemptId: 'att-3', mode: 'campaign', agent: agent('bob', '5678') })
  await provider.syncContact(lead('+14155550199'))
  await provider.bulkSyncContacts([lead('+14155550199'), lead('+14155550123'), lead('+4420123456')])
  await provider.listAgentPresence()
  // Documented failures.
  mock.fail('POST /calls/create.json', 409, {
    responseData: { status: 409, message: 'Agent is already calling.' },
  })
  await provider.dial({ ...request, attemptId: 'att-4' }).catch(() => undefined)
  await cloudtalk({ ...mock.options })
    .dial({ ...request, attemptId: 'att-5', agent: agent('bob', '5678') })
    .catch(() => undefined) // 403 Agent is not online.
  await cloudtalk({ ...mock.options })
    .dial({ ...request, attemptId: 'att-6', agent: agent('carol', '999') })
    .catch(() => undefined) // 404 Not found.
  await provider.close()
}

describe('the requests the adapter sends', () => {
  it('use only operations, parameters and body fields of the spec, with the declared types', async () => {
    await everything()
    const routes = new Set(mock.received.map((r) => `${r.method} ${operationOf(r.method, r.path).template}`))
    expect([...routes].sort()).toEqual(
      [
        'DELETE /contacts/removeTags/{contactId}.json',
        'GET /agents/index.json',
        'GET /calls/index.json',
        'GET /contacts/index.json',
        'GET /contacts/show/{contactId}.json',
        'POST /bulk/contacts.json',
        'POST /calls/create.json',
        'POST /contacts/edit/{contactId}.json',
        'PUT /contacts/add.json',
        'PUT /contacts/addTags/{contactId}.json',
        'PUT /tags/add.json',
      ].sort(),
    )
    for (const entry of mock.received) {
      expect(
        checkRequest(entry.method, entry.path, entry.query, entry.body),
        `${entry.method} ${entry.path}`,
      ).toEqual([])
    }
  })

  it('goes to the spec’s server, with Basic auth and Accept: application/json', async () => {
    await everything()
    expect(spec.servers[0]?.url).toBe('https://my.cloudtalk.io/api')
    for (const entry of mock.received) expect(entry.authorization).toMatch(/^Basic /)
  })

  it('the checker catches a request outside the spec (it can fail)', () => {
    expect(
      checkRequest('POST', '/calls/create.json', new URLSearchParams(), {
        agent_id: '12',
        callee_number: '+1',
      }),
    ).not.toEqual([])
    expect(
      checkRequest('POST', '/calls/create.json', new URLSearchParams(), {
        agent_id: 12,
        callee_number: '+14155550199',
        caller_id: '+1',
      }),
    ).toEqual(['body.caller_id: not defined by the spec'])
    expect(checkRequest('GET', '/calls/index.json', new URLSearchParams({ phone: '1' }), undefined)).toEqual([
      '/calls/index.json: query parameter phone not defined',
    ])
    expect(
      checkRequest('PUT', '/contacts/add.json', new URLSearchParams(), { name: 'x', contact_number: ['+1'] }),
    ).toEqual(['body.contact_number: not defined by the spec'])
    expect(
      checkRequest('POST', '/bulk/contacts.json', new URLSearchParams(), [
        { action: 'edit_contact', command_id: '1', data: { id: '7', name: 'x' } },
      ]),
    ).toEqual(['body[0].data.id: expected an integer, got "7"'])
  })
})

describe('the mock answers with the spec’s schemas', () => {
  it('every answer of the scenario, successes and documented failures', async () => {
    await everything()
    expect(mock.answers.length).toBeGreaterThan(15)
    const statuses = new Set(mock.answers.map((a) => `${a.route} ${a.status}`))
    for (const expected of [
      'POST /calls/create.json 200',
      'POST /calls/create.json 403',
      'POST /calls/create.json 404',
      'POST /calls/create.json 409',
      'PUT /tags/add.json 201',
      'PUT /contacts/add.json 201',
      'POST /bulk/contacts.json 200',
      'GET /calls/index.json 200',
    ])
      expect(statuses).toContain(expected)
    for (const answer of mock.answers) {
      expect(
        checkAnswer(answer.route, answer.status, answer.body),
        `${answer.route} ${answer.status}`,
      ).toEqual([])
    }
  })

  it('the tag already used (406) and invalid contact (406) answers', async () => {
    const provider = cloudtalk({ ...mock.options })
    mock.tags.set('lc-alice', '1')
    await cloudtalk({ ...mock.options, campaigns: { [AGENT_ID]: 'lc-alice' } }).dial({
      attemptId: 'a',
      processId: 'p',
      timeoutMs: 1000,
      agent: agent('alice', AGENT_ID),
      lead: lead('+14155550199'),
      mode: 'campaign',
    })
    await provider.syncContact(lead('+14155550111', { fullName: '' as string })).catch(() => undefined)
    expect(mock.answers.some((a) => a.status === 406)).toBe(true)
    for (const answer of mock.answers)
      expect(checkAnswer(answer.route, answer.status, answer.body)).toEqual([])
  })

  it('the example-only fields are in CloudTalk’s own examples', () => {
    for (const [key, paths] of Object.entries(EXAMPLE_ONLY)) {
      const [method = '', template = '', status = ''] = key.split(' ')
      const example = spec.paths[template]?.[method.toLowerCase()]?.responses[status]?.content?.[
        'application/json'
      ]?.example as { responseData: unknown }
      for (const path of paths) {
        let value: unknown = example.responseData
        for (const part of path.split('.')) value = (value as Record<string, unknown>)[part]
        expect(value, `${key} ${path}`).toBeDefined()
      }
    }
  })

  it('the checker catches an answer outside the spec (it can fail)', () => {
    expect(
      checkAnswer('GET /agents/index.json', 200, { responseData: { data: [{ Agent: { id: 'x' } }] } }),
    ).toEqual(['responseData.data[0].Agent.id: expected an integer, got "x"'])
    expect(checkAnswer('GET /agents/index.json', 200, { data: [] })).not.toEqual([])
    expect(checkAnswer('POST /calls/create.json', 418, { responseData: { status: 418 } })).toEqual([
      'POST /calls/create.json: status 418 not declared',
    ])
    expect(
      checkAnswer('GET /calls/index.json', 200, { responseData: { data: [{ Cdr: { id: 1 }, Call: {} }] } }),
    ).toEqual(['responseData.data[0].Call: not defined by the spec'])
  })
})

describe('CloudTalk’s own examples go through the adapter’s zod schemas', () => {
  const example = (path: string, method: string, status: string): unknown =>
    spec.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.example

  it.each([
    ['/agents/index.json', 'get', '200', CloudTalkAgentsEnvelopeSchema],
    ['/contacts/index.json', 'get', '200', CloudTalkContactsEnvelopeSchema],
    ['/contacts/show/{contactId}.json', 'get', '200', CloudTalkContactShowEnvelopeSchema],
    ['/contacts/add.json', 'put', '201', CloudTalkCreatedEnvelopeSchema],
    ['/tags/add.json', 'put', '201', CloudTalkCreatedEnvelopeSchema],
    ['/contacts/edit/{contactId}.json', 'post', '200', CloudTalkStatusEnvelopeSchema],
    ['/contacts/addTags/{contactId}.json', 'put', '200', CloudTalkStatusEnvelopeSchema],
    ['/contacts/removeTags/{contactId}.json', 'delete', '200', CloudTalkStatusEnvelopeSchema],
    ['/calls/create.json', 'post', '200', CloudTalkStatusEnvelopeSchema],
    ['/bulk/contacts.json', 'post', '200', CloudTalkBulkEnvelopeSchema],
    ['/calls/index.json', 'get', '200', CloudTalkCallsEnvelopeSchema],
  ] as const)('%s %s %s', (path, method, status, schema) => {
    const value = example(path, method, status)
    expect(value).toBeDefined()
    const parsed = schema.safeParse(value)
    expect(parsed.success, parsed.error?.message).toBe(true)
  })

  it('reads the contact number of the list example (a JSON number) and the CDR of the history example', () => {
    const contacts = CloudTalkContactsEnvelopeSchema.parse(example('/contacts/index.json', 'get', '200'))
    expect(contacts.responseData.data[0]?.ContactNumber).toEqual(['442012345678'])
    const calls = CloudTalkCallsEnvelopeSchema.parse(example('/calls/index.json', 'get', '200'))
    expect(calls.responseData.data[0]?.Cdr).toMatchObject({
      id: '27',
      public_external: '421904247371',
      user_id: '1234',
    })
  })

  it('reads every documented error example of the operations used', () => {
    let count = 0
    for (const methods of Object.values(spec.paths)) {
      for (const op of Object.values(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue
          const value = response.content?.['application/json']?.example
          if (value === undefined) continue
          count++
          expect(CloudTalkErrorEnvelopeSchema.parse(value).responseData.status).toBe(Number(status))
        }
      }
    }
    expect(count).toBeGreaterThanOrEqual(15)
  })
})

describe.skipIf(!existsSync(FULL))('the spec subset', () => {
  it('still matches the full cloudtalk_openapi.json', () => {
    const full = JSON.parse(readFileSync(FULL, 'utf8')) as Spec
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) expect(full.paths[path]?.[method]).toEqual(op)
    }
    for (const [name, schema] of Object.entries(spec.components.schemas)) {
      expect(full.components.schemas[name]).toEqual(schema)
    }
  })
})
