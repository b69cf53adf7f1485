/**
 * Contract tests against Asterisk's own ARI api-docs (Swagger 1.1/1.2, `rest-api/api-docs/*.json`):
 * every request the adapter sends — REST calls and the events WebSocket upgrade — is an operation
 * of the api-docs, with only its parameters, every required one, and values of the declared type
 * and allowed values; every answer and every event frame the local ARI gives the adapter matches
 * the api-docs models (required properties, no unknown ones, types, enums). The local ARI is what
 * the other tests rely on, so this keeps it faithful.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AriEventSchema } from './ari-schemas.js'
import { type AriServer, type RecordedRequest, startAriServer } from './ari-server.test-util.js'
import { agent, dial, PASSWORD, USERNAME, until } from './asterisk-fixtures.test-util.js'
import { type AsteriskProvider, agentChannelOf, asterisk, leadChannelOf } from './asterisk-provider.js'

interface Param {
  name: string
  paramType: 'path' | 'query' | 'body' | 'header'
  required?: boolean
  allowMultiple?: boolean
  dataType: string
  allowableValues?: { valueType: string; values?: string[] }
}
interface Operation {
  httpMethod: string
  nickname: string
  parameters?: Param[]
  responseClass?: string
  upgrade?: string
  websocketProtocol?: string
}
interface Api {
  path: string
  operations: Operation[]
}
interface Property {
  type: string
  required?: boolean
  allowableValues?: { valueType: string; values?: string[] }
}
interface Model {
  id: string
  properties: Record<string, Property>
  subTypes?: string[]
}
interface Resource {
  apis: Api[]
  models: Record<string, Model>
}

const SUBSET = fileURLToPath(new URL('../test/fixtures/ari-api-docs-subset.json', import.meta.url))
/** The full api-docs, kept outside the repository (see ../shared/specs/README.md); used when present. */
const FULL = fileURLToPath(new URL('../../../../shared/specs/ari/', import.meta.url))
const docs = JSON.parse(readFileSync(SUBSET, 'utf8')) as { resources: Record<string, Resource> }
const apis = Object.values(docs.resources).flatMap((resource) => resource.apis)
const models: Record<string, Model> = Object.assign(
  {},
  ...Object.values(docs.resources).map((resource) => resource.models),
)

/** The operation a request is, and its path parameters; the most literal path wins (`/channels/create` over `/channels/{id}`). */
function operationOf(request: RecordedRequest): { api: Api; op: Operation; path: Record<string, string> } {
  const candidates = apis
    .map((api) => {
      const names: string[] = []
      const pattern = new RegExp(
        `^${api.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name)
          return '([^/]+)'
        })}$`,
      )
      const match = pattern.exec(request.path)
      if (!match) return undefined
      const path = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]))
      return { api, path, literal: api.path.split('/').filter((s) => !s.startsWith('{')).length }
    })
    .filter((c) => c !== undefined)
    .sort((a, b) => b.literal - a.literal)
  for (const candidate of candidates) {
    const op = candidate.api.operations.find((o) => o.httpMethod === request.method)
    if (op) return { api: candidate.api, op, path: candidate.path }
  }
  throw new Error(`${request.method} ${request.path} is no operation of the ARI api-docs`)
}

function checkScalar(type: string, value: string, where: string): string[] {
  if ((type === 'int' || type === 'long') && !/^-?\d+$/.test(value))
    return [`${where}: ${value} is not an ${type}`]
  if (type === 'boolean' && value !== 'true' && value !== 'false')
    return [`${where}: ${value} is not a boolean`]
  return []
}

/** Problems of one request against its operation. */
function checkRequest(request: RecordedRequest): string[] {
  const { op, path } = operationOf(request)
  const where = `${request.method} ${request.path} (${op.nickname})`
  const errors: string[] = []
  const params = op.parameters ?? []
  for (const param of params.filter((p) => p.paramType === 'path')) {
    if (!path[param.name]) errors.push(`${where}: path parameter ${param.name} is empty`)
  }
  // The body's keys other than its body parameters were merged into the query by the server.
  const bodyParams = params.filter((p) => p.paramType === 'body').map((p) => p.name)
  for (const [name, value] of request.query) {
    const param = params.find((p) => p.name === name && p.paramType === 'query')
    if (!param) {
      errors.push(`${where}: ${name} is not a query parameter`)
      continue
    }
    const values = param.allowMultiple ? value.split(',') : [value]
    for (const item of values) {
      errors.push(...checkScalar(param.dataType, item, `${where}: ${name}`))
      const allowed = param.allowableValues?.values
      if (allowed && !allowed.includes(item))
        errors.push(`${where}: ${name}=${item} not in ${allowed.join('|')}`)
    }
  }
  for (const param of params.filter((p) => p.required && p.paramType === 'query')) {
    if (!request.query.has(param.name)) errors.push(`${where}: required ${param.name} is missing`)
  }
  for (const [key, value] of Object.entries(request.body ?? {})) {
    if (key === 'variables' && bodyParams.includes('variables')) {
      // `containers`: an object of strings (or { value, report_events } in current releases).
      const ok =
        typeof value === 'object' &&
        value !== null &&
        Object.values(value).every((v) => typeof v === 'string')
      if (!ok) errors.push(`${where}: variables must map names to strings`)
    } else if (!params.some((p) => p.name === key && p.paramType === 'query')) {
      errors.push(`${where}: body key ${key} is neither a body nor a query parameter`)
    }
  }
  for (const name of params.filter((p) => p.required && p.paramType === 'body').map((p) => p.name)) {
    if (!(request.body && name in request.body)) errors.push(`${where}: required body ${name} is missing`)
  }
  if (request.websocket) {
    if (op.upgrade !== 'websocket') errors.push(`${where}: not a WebSocket operation`)
    if (op.websocketProtocol && !request.protocols.includes(op.websocketProtocol))
      errors.push(`${where}: subprotocol ${op.websocketProtocol} not requested`)
  } else if (op.upgrade === 'websocket') {
    errors.push(`${where}: a WebSocket operation requested over plain HTTP`)
  }
  return errors
}

const ARI_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{4}|Z)$/

/** Problems of a value against an api-docs type: a scalar, `List[T]`, or a model (strictly). */
function checkType(
  type: string,
  value: unknown,
  where: string,
  extra: Record<string, Property> = {},
): string[] {
  const list = /^List\[(.+)\]$/.exec(type)
  if (list) {
    if (!Array.isArray(value)) return [`${where}: expected a list`]
    return value.flatMap((item, i) => checkType(list[1] ?? '', item, `${where}[${i}]`))
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${where}: expected a string`]
    case 'int':
    case 'long':
      return Number.isInteger(value) ? [] : [`${where}: expected an ${type}`]
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: expected a boolean`]
    case 'Date':
      return typeof value === 'string' && ARI_DATE.test(value) ? [] : [`${where}: not an ARI date`]
    case 'object':
      return typeof value === 'object' && value !== null ? [] : [`${where}: expected an object`]
  }
  const model = models[type]
  if (!model) return [`${where}: unknown type ${type}`]
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${where}: expected ${type}`]
  const properties = { ...extra, ...model.properties }
  const errors: string[] = []
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key]
    if (!property) {
      errors.push(`${where}.${key}: not a property of ${type}`)
      continue
    }
    errors.push(...checkType(property.type, item, `${where}.${key}`))
    const allowed = property.allowableValues?.values
    if (allowed && !allowed.includes(item as string))
      errors.push(`${where}.${key}: ${String(item)} not allowed`)
  }
  for (const [key, property] of Object.entries(properties)) {
    if (property.required && !(key in value)) errors.push(`${where}.${key}: required`)
  }
  return errors
}

/** Problems of one event frame: a subtype of Event, with Message's and Event's properties. */
function checkFrame(frame: Record<string, unknown>): string[] {
  const type = String(frame.type)
  const event = models.Event
  const message = models.Message
  if (!event || !message) throw new Error('the subset lacks Message or Event')
  if (!event.subTypes?.includes(type)) return [`${type}: not an Event of the api-docs`]
  return checkType(type, frame, type, { ...message.properties, ...event.properties })
}

// ------------------------------------------------------------------ exercising the adapter

let server: AriServer
const providers: AsteriskProvider[] = []

function provider(extra: Record<string, unknown> = {}): AsteriskProvider {
  const created = asterisk({
    url: server.url,
    username: USERNAME,
    password: PASSWORD,
    endpoints: { lead: 'PJSIP/{number}@trunk' },
    callerId: '"Acme Sales" <+14155550000>',
    reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  })
  providers.push(created)
  return created
}

/** Every request the adapter can send, and every frame the local ARI can push, recorded once. */
async function exercise(): Promise<void> {
  const target = provider({ onPresence: () => undefined, checkAgentEndpoint: true })
  target.connect(() => undefined)
  server.setEndpoints([
    { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] },
    { technology: 'PJSIP', resource: '1002', state: 'offline', channel_ids: [] },
  ])
  await target.listAgentPresence()
  await target.dial(dial({ agent: agent({ providerRefs: { asterisk: '1002' } }) })).catch(() => undefined)
  // A whole answered call: bridge, originate, addChannel, tear-down.
  const { providerCallId: first = '' } = await target.dial(dial())
  server.ring(agentChannelOf(first))
  server.answer(agentChannelOf(first))
  await server.waitFor(() => server.channels.has(leadChannelOf(first)))
  server.ring(leadChannelOf(first))
  server.answer(leadChannelOf(first))
  await server.waitFor(() => server.bridges.get(first)?.json.channels.length === 2)
  server.remoteHangup(leadChannelOf(first), 16, { techCause: 200 })
  await server.waitFor(() => server.channels.size === 0 && server.bridges.size === 0)
  // A hang-up by leadcall, and by a provider that did not place the call.
  const { providerCallId: second = '' } = await target.dial(dial())
  await target.hangup(second)
  const { providerCallId: third = '' } = await target.dial(dial())
  await provider().hangup(third)
  await server.waitFor(() => server.channels.size === 0 && server.bridges.size === 0)
  // A failed originate (its bridge destroyed) and a reconnect (its reconciliation).
  server.failNext('POST', /^\/channels\//, 500, 'Allocation failed')
  await target.dial(dial()).catch(() => undefined)
  await target.dial(dial())
  server.refuseUpgrades()
  server.dropConnections()
  await until(() => !target.connected)
  server.refuseUpgrades(false)
  await until(() => target.connected)
  await server.waitFor(() => server.requests.some((r) => r.path === '/bridges' && r.method === 'GET'))
}

beforeAll(async () => {
  server = await startAriServer({ username: USERNAME, password: PASSWORD })
  await exercise()
})
afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()))
  await server.close()
})

describe('requests match the ARI api-docs', () => {
  it('exercised every operation the adapter uses', () => {
    const used = new Set(server.requests.map((request) => operationOf(request).op.nickname))
    expect([...used].sort()).toEqual(
      [
        'addChannel',
        'createWithId',
        'destroy',
        'eventWebsocket',
        'get',
        'hangup',
        'list',
        'originateWithId',
        'subscribe',
      ].sort(),
    )
  })

  it('every request is an operation with only its parameters, the required ones, valid values', () => {
    expect(server.requests.length).toBeGreaterThan(20)
    expect(server.requests.flatMap(checkRequest)).toEqual([])
  })

  it('the checker catches what the api-docs forbid', () => {
    const request = (method: string, path: string, query: Record<string, string>, body?: object) =>
      ({
        method,
        path,
        query: new URLSearchParams(query),
        body,
        websocket: false,
        protocols: [],
      }) as RecordedRequest
    expect(checkRequest(request('POST', '/channels/x', { app: 'a' }))).toEqual([
      'POST /channels/x (originateWithId): required endpoint is missing',
    ])
    expect(
      checkRequest(request('POST', '/channels/x', { endpoint: 'PJSIP/1', timeout: 'soon' })),
    ).toHaveLength(1)
    expect(checkRequest(request('DELETE', '/channels/x', { reason: 'bored' }))).toHaveLength(1)
    expect(checkRequest(request('POST', '/bridges/b', { colour: 'red' }))).toHaveLength(1)
    expect(
      checkRequest(request('POST', '/channels/x', { endpoint: 'PJSIP/1' }, { variables: { A: 1 } })),
    ).toHaveLength(1)
    expect(() => checkRequest(request('POST', '/channels/x/answer', {}))).toThrow(/no operation/)
    expect(checkRequest({ ...request('GET', '/events', { app: 'leadcall' }), websocket: true })).toEqual([
      'GET /events (eventWebsocket): subprotocol ari not requested',
    ])
  })
})

describe('the local ARI answers and pushes what the api-docs describe', () => {
  it('every successful answer is the operation’s responseClass', () => {
    const errors = server.responses
      .filter((response) => response.status >= 200 && response.status < 300)
      .flatMap((response) => {
        const { op } = operationOf(response.request)
        const type = op.responseClass ?? 'void'
        if (type === 'void')
          return response.body === undefined ? [] : [`${op.nickname}: a void answer had a body`]
        return checkType(type, response.body, op.nickname)
      })
    expect(errors).toEqual([])
  })

  it('every error answer is ARI’s { message }', () => {
    const errors = server.responses.filter((response) => response.status >= 400)
    expect(errors.length).toBeGreaterThan(0)
    for (const error of errors) expect(Object.keys(error.body as object)).toEqual(['message'])
  })

  it('every frame is an Event of events.json, and parses with the adapter’s schema', () => {
    const types = new Set(server.frames.map((frame) => frame.type))
    expect([...types].sort()).toEqual(
      [
        'BridgeCreated',
        'BridgeDestroyed',
        'ChannelCreated',
        'ChannelDestroyed',
        'ChannelEnteredBridge',
        'ChannelHangupRequest',
        'ChannelLeftBridge',
        'ChannelStateChange',
        'EndpointStateChange',
        'StasisEnd',
        'StasisStart',
      ].sort(),
    )
    expect(server.frames.flatMap(checkFrame)).toEqual([])
    for (const frame of server.frames) expect(AriEventSchema.safeParse(frame).success).toBe(true)
  })

  it('the checker catches frames the api-docs forbid', () => {
    expect(checkFrame({ type: 'ChannelDestroyed', application: 'a', timestamp: 'now' })).toEqual(
      expect.arrayContaining([
        'ChannelDestroyed.timestamp: not an ARI date',
        'ChannelDestroyed.cause: required',
        'ChannelDestroyed.channel: required',
      ]),
    )
    expect(checkFrame({ type: 'Nonsense' })).toEqual(['Nonsense: not an Event of the api-docs'])
  })
})

describe.skipIf(!existsSync(FULL))('the api-docs subset', () => {
  it('still matches the full api-docs files', () => {
    for (const [name, resource] of Object.entries(docs.resources)) {
      const full = JSON.parse(readFileSync(`${FULL}${name}.json`, 'utf8')) as Resource
      for (const api of resource.apis) expect(full.apis.find((a) => a.path === api.path)).toEqual(api)
      for (const [id, model] of Object.entries(resource.models)) expect(full.models[id]).toEqual(model)
    }
  })
})
