/**
 * A mock of CloudTalk's REST API (msw, `https://my.cloudtalk.io/api`) and of its Workflow
 * Automation requests, faithful to PROVIDERS.md §1 and CloudTalk's OpenAPI document (v1.7):
 * `responseData` envelopes, ids sent as strings and numbers as the vendor's examples do, PUT
 * creates and POST updates, the documented error bodies of `calls/create`, 429 with the
 * `X-CloudTalkAPI-*` headers, bulk actions with per-item results. It also serves the telephony
 * conformance kit as its backend.
 */

import { Buffer } from 'node:buffer'
import { type Agent, type DialRequest, type Lead, LeadCallError } from '@leadcall/core'
import type {
  ObservedDial,
  TelephonyCallContext,
  TelephonyMockBackend,
  TelephonyOutcome,
  WebhookSigning,
} from '@leadcall/core/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'

export const API = 'https://my.cloudtalk.io/api'
export const KEY_ID = 'AKLEADCALLTEST0001'
export const KEY_SECRET = 'ctks-0123456789abcdefSECRET'
export const WEBHOOK_SECRET = 'whs-leadcall-0123456789abcdef'
export const WEBHOOK_URL = 'https://hooks.example.com/webhooks/cloudtalk'
export const AGENT_ID = '1234'
export const COMPANY_NUMBER = '+14155550000'
export const BASIC = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`

/** A request the mock received. */
export interface Received {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
  authorization: string | null
  at: number
}

/** A contact as the mock keeps it. */
export interface MockContact {
  id: string
  name: string
  company?: string
  numbers: string[]
  emails: string[]
  tags: string[]
}

/** An agent as `GET /agents/index.json` lists it. */
export type MockAgent = Record<string, unknown> & { id: string }

/** A call `calls/create` placed. */
export interface PlacedCall {
  callId: string
  agentId: string
  callee: string
  at: number
}

/** An arranged failure of the next request of a route. */
interface Failure {
  status: number
  body: string
  contentType: string
  headers?: Record<string, string>
}

const DEFAULT_AGENT: MockAgent = {
  id: AGENT_ID,
  name: '123456',
  firstname: 'Alice',
  lastname: 'Agent',
  email: 'alice@example.com',
  is_daily_limit_ok: true,
  status_outbound: true,
  availability_status: 'online',
  extension: '1001',
  call_number_id: 36,
  default_number: COMPANY_NUMBER,
  associated_numbers: [COMPANY_NUMBER],
}

/** CloudTalk's date format (`YYYY-MM-DD HH:MM:SS`, UTC). */
export function ctDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function digits(number: string): string {
  return number.replace(/\D/g, '')
}

/** `{ responseData: { status, message } }`, CloudTalk's error envelope. */
export function errorEnvelope(status: number, message: string, data?: unknown): Record<string, unknown> {
  return { responseData: { status, message, ...(data === undefined ? {} : { data }) } }
}

/** The status an outcome's call record and webhooks carry (CloudTalk knows `answered` and `missed`). */
const CT_STATUS: Record<TelephonyOutcome, string> = {
  answered: 'answered',
  no_answer: 'missed',
  busy: 'busy',
  failed: 'failed',
}

/** Options of {@link cloudtalkMock}. */
export interface CloudTalkMockOptions {
  /** Whether `keyword` matches phone numbers (UNCONFIRMED at CloudTalk; default true). */
  keywordMatchesNumbers?: boolean
}

/** Creates the mock server, its state, and the conformance backend. */
export function cloudtalkMock(options: CloudTalkMockOptions = {}) {
  const received: Received[] = []
  const contacts = new Map<string, MockContact>()
  const tags = new Map<string, string>()
  const cdrs: Record<string, unknown>[] = []
  const placed: PlacedCall[] = []
  let agents: MockAgent[] = [{ ...DEFAULT_AGENT }]
  const failures = new Map<string, Failure[]>()
  let hanging = false
  const held = new Set<() => void>()
  let ids = 1000
  let keywordMatchesNumbers = options.keywordMatchesNumbers ?? true
  /** Answers the mock gave, with their route, for the contract test. */
  const answers: { route: string; status: number; body: unknown }[] = []

  async function record(request: Request, path: string): Promise<Received> {
    const url = new URL(request.url)
    const text = request.method === 'GET' ? '' : await request.text()
    let body: unknown
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      body = text
    }
    const entry: Received = {
      method: request.method,
      path,
      query: url.searchParams,
      body,
      authorization: request.headers.get('authorization'),
      at: Date.now(),
    }
    received.push(entry)
    return entry
  }

  /** Holds the request until it is aborted or the mock is reset; true when it was held. */
  async function holdIfHanging(request: Request): Promise<boolean> {
    if (!hanging) return false
    await new Promise<void>((resolve) => {
      const release = (): void => {
        held.delete(release)
        resolve()
      }
      held.add(release)
      request.signal.addEventListener('abort', release, { once: true })
    })
    return true
  }

  function reply(
    route: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Response {
    answers.push({ route, status, body })
    return HttpResponse.json(body as Record<string, unknown>, { status, headers })
  }

  /** Auth, arranged failures and hangs, shared by every route. */
  async function gate(route: string, request: Request, entry: Received): Promise<Response | undefined> {
    if (await holdIfHanging(request)) return new HttpResponse(null, { status: 503 })
    if (entry.authorization !== BASIC) {
      // Echoes what it was given, to prove the adapter redacts it from errors.
      return reply(route, 401, errorEnvelope(401, `Unauthorized (${entry.authorization})`))
    }
    if (request.headers.get('accept') !== 'application/json') {
      return reply(route, 406, errorEnvelope(406, 'Not acceptable.'))
    }
    const queue = failures.get(route)
    const failure = queue?.shift()
    if (failure) {
      let body: unknown = failure.body
      try {
        body = JSON.parse(failure.body)
      } catch {
        // Not JSON (an HTML error page): kept as text.
      }
      answers.push({ route, status: failure.status, body })
      return new HttpResponse(failure.body, {
        status: failure.status,
        headers: { 'content-type': failure.contentType, ...failure.headers },
      })
    }
    return undefined
  }

  function idOf(file: unknown): string {
    return String(file).replace(/\.json$/, '')
  }

  function page<T>(items: T[], query: URLSearchParams) {
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 30)))
    const number = Math.max(1, Number(query.get('page') ?? 1))
    return {
      itemsCount: items.length,
      pageCount: Math.max(1, Math.ceil(items.length / limit)),
      pageNumber: number,
      limit,
      data: items.slice((number - 1) * limit, number * limit),
    }
  }

  function createContact(data: Record<string, unknown>): MockContact | Record<string, string[]> {
    const name = data.name
    if (typeof name !== 'string' || name === '') return { name: ['Name is required.'] }
    const numbers = (data.ContactNumber as { public_number: string }[] | undefined) ?? []
    if (
      numbers.some((n) => typeof n.public_number !== 'string' || !/^\+[1-9]\d{6,14}$/.test(n.public_number))
    ) {
      return { public_number: ['Please supply a valid phone number.'] }
    }
    const contact: MockContact = {
      id: String(++ids),
      name,
      ...(typeof data.company === 'string' ? { company: data.company } : {}),
      numbers: numbers.map((n) => n.public_number),
      emails: ((data.ContactEmail as { email: string }[] | undefined) ?? []).map((e) => e.email),
      tags: ((data.ContactsTag as { name: string }[] | undefined) ?? []).map((t) => t.name),
    }
    for (const tag of contact.tags) if (!tags.has(tag)) tags.set(tag, String(++ids))
    contacts.set(contact.id, contact)
    return contact
  }

  function editContact(contact: MockContact, data: Record<string, unknown>): void {
    if (typeof data.name === 'string') contact.name = data.name
    if (typeof data.company === 'string') contact.company = data.company
    if (Array.isArray(data.ContactNumber))
      contact.numbers = (data.ContactNumber as { public_number: string }[]).map((n) => n.public_number)
    if (Array.isArray(data.ContactsTag))
      contact.tags = (data.ContactsTag as { name: string }[]).map((t) => t.name)
  }

  function tagList(names: string[]) {
    return names.map((name) => {
      if (!tags.has(name)) tags.set(name, String(++ids))
      return { id: tags.get(name) as string, name }
    })
  }

  const server = setupServer(
    http.post(`${API}/calls/create.json`, async ({ request }) => {
      const route = 'POST /calls/create.json'
      const entry = await record(request, '/calls/create.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const body = entry.body as { agent_id?: unknown; callee_number?: unknown } | undefined
      if (!Number.isInteger(body?.agent_id) || typeof body?.callee_number !== 'string') {
        return reply(route, 406, errorEnvelope(406, 'Invalid input data.'))
      }
      const agentId = String(body.agent_id)
      const agent = agents.find((a) => a.id === agentId)
      if (!agent) return reply(route, 404, errorEnvelope(404, 'Not found.'))
      if (agent.availability_status === 'calling')
        return reply(route, 409, errorEnvelope(409, 'Agent is already calling.'))
      if (agent.availability_status !== 'online')
        return reply(route, 403, errorEnvelope(403, 'Agent is not online.'))
      placed.push({ callId: String(++ids), agentId, callee: body.callee_number, at: Date.now() })
      return reply(route, 200, { responseData: { status: 200 } })
    }),

    http.get(`${API}/agents/index.json`, async ({ request }) => {
      const route = 'GET /agents/index.json'
      const entry = await record(request, '/agents/index.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const id = entry.query.get('id')
      const list = agents.filter((agent) => id === null || agent.id === id).map((Agent) => ({ Agent }))
      return reply(route, 200, { responseData: page(list, entry.query) })
    }),

    http.get(`${API}/contacts/index.json`, async ({ request }) => {
      const route = 'GET /contacts/index.json'
      const entry = await record(request, '/contacts/index.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const keyword = (entry.query.get('keyword') ?? '').toLowerCase()
      const list = [...contacts.values()]
        .filter(
          (contact) =>
            keyword === '' ||
            contact.name.toLowerCase().includes(keyword) ||
            (keywordMatchesNumbers &&
              contact.numbers.some((n) => digits(n).includes(digits(keyword)) && digits(keyword) !== '')),
        )
        .map((contact) => ({
          Contact: {
            id: contact.id,
            name: contact.name,
            ...(contact.company ? { company: contact.company } : {}),
          },
          // The vendor's example sends the number as a JSON number, without `+`.
          ...(contact.numbers[0]
            ? { ContactNumber: { public_number: Number(digits(contact.numbers[0])) } }
            : {}),
          ...(contact.emails[0] ? { ContactEmail: { email: contact.emails[0] } } : {}),
        }))
      return reply(route, 200, { responseData: page(list, entry.query) })
    }),

    http.put(`${API}/contacts/add.json`, async ({ request }) => {
      const route = 'PUT /contacts/add.json'
      const entry = await record(request, '/contacts/add.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const created = createContact((entry.body ?? {}) as Record<string, unknown>)
      if (!('id' in created)) return reply(route, 406, errorEnvelope(406, 'Invalid input data.', created))
      return reply(route, 201, { responseData: { status: 201, data: { id: created.id } } })
    }),

    http.post(`${API}/contacts/edit/:file`, async ({ request, params }) => {
      const route = 'POST /contacts/edit/{contactId}.json'
      const entry = await record(request, `/contacts/edit/${String(params.file)}`)
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const contact = contacts.get(idOf(params.file))
      if (!contact) return reply(route, 404, errorEnvelope(404, 'Not found.'))
      const data = (entry.body ?? {}) as Record<string, unknown>
      if (typeof data.name !== 'string' || data.name === '') {
        return reply(route, 406, errorEnvelope(406, 'Invalid input data.', { name: ['Name is required.'] }))
      }
      editContact(contact, data)
      return reply(route, 200, { responseData: { status: 200 } })
    }),

    http.get(`${API}/contacts/show/:file`, async ({ request, params }) => {
      const route = 'GET /contacts/show/{contactId}.json'
      const entry = await record(request, `/contacts/show/${String(params.file)}`)
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const contact = contacts.get(idOf(params.file))
      if (!contact) return reply(route, 404, errorEnvelope(404, 'Not found.'))
      return reply(route, 200, {
        responseData: {
          Contact: {
            id: contact.id,
            name: contact.name,
            ...(contact.company ? { company: contact.company } : {}),
            type: 'contact',
            contact_numbers: contact.numbers,
            contact_emails: contact.emails,
            tags: tagList(contact.tags),
          },
          ContactNumber: contact.numbers.map((public_number) => ({ public_number })),
          ContactEmail: contact.emails.map((email) => ({ email })),
          ContactsTag: contact.tags.map((name) => ({ name })),
        },
      })
    }),

    ...(['put', 'delete'] as const).map((method) =>
      http[method](
        `${API}/contacts/${method === 'put' ? 'addTags' : 'removeTags'}/:file`,
        async ({ request, params }) => {
          const kind = method === 'put' ? 'addTags' : 'removeTags'
          const route = `${method.toUpperCase()} /contacts/${kind}/{contactId}.json`
          const entry = await record(request, `/contacts/${kind}/${String(params.file)}`)
          const denied = await gate(route, request, entry)
          if (denied) return denied
          const contact = contacts.get(idOf(params.file))
          if (!contact) return reply(route, 404, { responseData: { status: 404, message: 'Not found.' } })
          const names = (entry.body as { tags?: unknown } | undefined)?.tags
          if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
            return reply(route, 406, { responseData: { status: 406, message: 'Invalid input data.' } })
          }
          if (method === 'put') contact.tags = [...new Set([...contact.tags, ...(names as string[])])]
          else contact.tags = contact.tags.filter((tag) => !names.includes(tag))
          return reply(route, 200, {
            responseData: {
              status: 200,
              message: method === 'put' ? 'Tags were successfully added.' : 'Tags were successfully removed.',
              data: { tags: tagList(names as string[]), contact_id: contact.id },
            },
          })
        },
      ),
    ),

    http.put(`${API}/tags/add.json`, async ({ request }) => {
      const route = 'PUT /tags/add.json'
      const entry = await record(request, '/tags/add.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const name = (entry.body as { name?: unknown } | undefined)?.name
      if (typeof name !== 'string' || name === '') {
        return reply(route, 406, errorEnvelope(406, 'Invalid input data.', { name: ['Name is required.'] }))
      }
      if (tags.has(name)) {
        return reply(
          route,
          406,
          errorEnvelope(406, 'Invalid input data.', {
            name: ['Tag has already been used. Please select different one.'],
          }),
        )
      }
      tags.set(name, String(++ids))
      return reply(route, 201, { responseData: { status: 201, data: { id: tags.get(name) } } })
    }),

    http.post(`${API}/bulk/contacts.json`, async ({ request }) => {
      const route = 'POST /bulk/contacts.json'
      const entry = await record(request, '/bulk/contacts.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const actions = entry.body
      if (!Array.isArray(actions) || actions.length > 10) {
        return reply(route, 406, errorEnvelope(406, 'Invalid input data.', { actions: ['Max 10 actions.'] }))
      }
      const data = actions.map(
        (raw: { action?: string; command_id?: string; data?: Record<string, unknown> }) => {
          const command_id = String(raw.command_id)
          if (raw.action === 'add_contact') {
            const created = createContact(raw.data ?? {})
            return 'id' in created
              ? { command_id, status: 201, data: { id: created.id } }
              : { command_id, status: 406, message: 'Invalid input data.', data: created }
          }
          if (raw.action === 'edit_contact') {
            const contact = contacts.get(String(raw.data?.id))
            if (!contact) return { command_id, status: 404, message: 'Not found.' }
            editContact(contact, raw.data ?? {})
            return { command_id, status: 200 }
          }
          return { command_id, status: 406, message: 'Invalid input data.' }
        },
      )
      return reply(route, 200, { responseData: { status: 200, data } })
    }),

    http.get(`${API}/calls/index.json`, async ({ request }) => {
      const route = 'GET /calls/index.json'
      const entry = await record(request, '/calls/index.json')
      const denied = await gate(route, request, entry)
      if (denied) return denied
      const q = entry.query
      const from = q.get('date_from') ? Date.parse(`${q.get('date_from')?.replace(' ', 'T')}Z`) : undefined
      const list = cdrs.filter((item) => {
        const cdr = item.Cdr as Record<string, unknown>
        if (q.get('user_id') && String(cdr.user_id) !== q.get('user_id')) return false
        if (q.get('type') && cdr.type !== q.get('type')) return false
        if (q.get('call_id') && String(cdr.id) !== q.get('call_id')) return false
        if (from !== undefined && Date.parse(`${String(cdr.started_at).replace(' ', 'T')}Z`) < from)
          return false
        return true
      })
      return reply(route, 200, { responseData: page(list, q) })
    }),
  )

  /** The call record CloudTalk keeps of a placed call once it ended with `outcome`. */
  function addCdr(call: PlacedCall, outcome: TelephonyOutcome, overrides: Record<string, unknown> = {}) {
    const answered = outcome === 'answered'
    const started = call.at + 1000
    const cdr = {
      id: call.callId,
      billsec: answered ? '42' : '0',
      type: 'outgoing',
      public_external: Number(digits(call.callee)),
      public_internal: Number(digits(COMPANY_NUMBER)),
      recorded: false,
      is_voicemail: false,
      is_local: true,
      user_id: call.agentId,
      talking_time: answered ? '40' : '0',
      started_at: ctDate(started),
      ...(answered ? { answered_at: ctDate(started + 8000) } : {}),
      ended_at: ctDate(started + 50_000),
      waiting_time: 8,
      wrapup_time: 5,
      ...overrides,
    }
    cdrs.push({
      Cdr: cdr,
      Agent: { id: call.agentId, firstname: 'Alice', lastname: 'Agent', fullname: 'Alice Agent' },
    })
    return cdr
  }

  /** The placed call of a dial the kit (or a test) made: the last one to that lead. */
  function placedFor(call: TelephonyCallContext): PlacedCall | undefined {
    return placed.filter((p) => p.callee === call.request.lead.phone).at(-1)
  }

  /** One workflow request as CloudTalk's "API Request" action sends it. */
  function webhook(payload: Record<string, unknown>, signing: WebhookSigning = 'valid'): Request {
    const headers = new Headers({
      'content-type': 'application/json',
      'user-agent': 'cloudtalk-workflow-automation',
    })
    if (signing === 'valid') headers.set('x-leadcall-secret', WEBHOOK_SECRET)
    if (signing === 'tampered') headers.set('x-leadcall-secret', `${WEBHOOK_SECRET.slice(0, -1)}X`)
    return new Request(WEBHOOK_URL, { method: 'POST', headers, body: JSON.stringify(payload) })
  }

  /**
   * The workflow requests of a call ending with `outcome`, one per trigger (Call Started, Ringing
   * on Agent, Call Answered, Call Ended), with the default field mapping. The external number has
   * no `+`, as CloudTalk's own call records write it.
   */
  function webhookRequests(
    outcome: TelephonyOutcome,
    call: TelephonyCallContext,
    signing: WebhookSigning,
  ): Request[] {
    const call0 = placedFor(call)
    if (!call0) return []
    const started = call0.at + 1000
    const common = {
      call_id: Number(call0.callId),
      call_uuid: `8c1d0a5e-0000-4000-8000-${call0.callId.padStart(12, '0')}`,
      agent_id: Number(call0.agentId),
      external_number: digits(call0.callee),
      internal_number: COMPANY_NUMBER,
      direction: 'outgoing',
    }
    const requests = [
      webhook(
        { event: 'call_started', ...common, timestamp: ctDate(started), started_at: ctDate(started) },
        signing,
      ),
      webhook({ event: 'ringing_on_agent', ...common, timestamp: ctDate(started + 1000) }, signing),
    ]
    if (outcome === 'answered') {
      requests.push(
        webhook(
          {
            event: 'call_answered',
            ...common,
            timestamp: ctDate(started + 8000),
            answered_at: ctDate(started + 8000),
          },
          signing,
        ),
      )
    }
    requests.push(
      webhook(
        {
          event: 'call_ended',
          ...common,
          call_status: CT_STATUS[outcome],
          talking_time: outcome === 'answered' ? 40 : 0,
          started_at: ctDate(started),
          ...(outcome === 'answered' ? { answered_at: ctDate(started + 8000) } : {}),
          ended_at: ctDate(started + 50_000),
          timestamp: ctDate(started + 50_000),
        },
        signing,
      ),
    )
    return requests
  }

  function fail(route: string, status: number, body: unknown, headers?: Record<string, string>): void {
    failRaw(route, status, JSON.stringify(body), 'application/json', headers)
  }

  function failRaw(
    route: string,
    status: number,
    body: string,
    contentType: string,
    headers?: Record<string, string>,
  ): void {
    const queue = failures.get(route) ?? []
    queue.push({ status, body, contentType, ...(headers ? { headers } : {}) })
    failures.set(route, queue)
  }

  const CREATE = 'POST /calls/create.json'

  /** The presence statuses the backend can report, keyed by a label, with their expected mapping. */
  const presenceStatuses = {
    online: 'available',
    calling: 'on_call',
    paused: 'away',
    offline: 'offline',
    'online, daily limit reached': 'away',
    'online, outbound calls not allowed': 'away',
    'a status CloudTalk adds later': 'offline',
  } as const

  function agentWith(id: string, label: string): MockAgent {
    const base = { ...DEFAULT_AGENT, id, extension: String(1000 + (Number(id.replace(/\D/g, '')) % 9000)) }
    switch (label) {
      case 'online, daily limit reached':
        return { ...base, availability_status: 'online', is_daily_limit_ok: false }
      case 'online, outbound calls not allowed':
        return { ...base, availability_status: 'online', status_outbound: false }
      case 'a status CloudTalk adds later':
        return { ...base, availability_status: 'ringing' }
      default:
        return { ...base, availability_status: label }
    }
  }

  const backend: TelephonyMockBackend = {
    secrets: [KEY_SECRET, Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64'), WEBHOOK_SECRET],
    delivery: { kind: 'webhook', requests: webhookRequests },
    // CloudTalk's call statuses are `answered` and `missed`: busy or failed calls are not told apart.
    outcomes: ['answered', 'no_answer'],
    agentRef: AGENT_ID,
    failures: [
      {
        name: '403 Agent is not online.',
        expectedCode: 'AGENT_NOT_AVAILABLE',
        arrange: () => fail(CREATE, 403, errorEnvelope(403, 'Agent is not online.')),
      },
      {
        name: '404 Not found. (unknown agent id)',
        expectedCode: 'AGENT_NOT_AVAILABLE',
        arrange: () => fail(CREATE, 404, errorEnvelope(404, 'Not found.')),
      },
      {
        name: '406 Invalid input data.',
        expectedCode: 'VALIDATION_FAILED',
        arrange: () =>
          fail(
            CREATE,
            406,
            errorEnvelope(406, 'Invalid input data.', { callee_number: ['Invalid number.'] }),
          ),
      },
      {
        name: '409 Agent is already calling.',
        expectedCode: 'AGENT_BUSY',
        arrange: () => fail(CREATE, 409, errorEnvelope(409, 'Agent is already calling.')),
      },
      {
        name: '429 Too Many Requests with X-CloudTalkAPI-ResetTime',
        expectedCode: 'RATE_LIMITED',
        arrange: () =>
          fail(CREATE, 429, errorEnvelope(429, 'Too Many Requests'), {
            'X-CloudTalkAPI-Limit': '60',
            'X-CloudTalkAPI-Remaining': '0',
            'X-CloudTalkAPI-ResetTime': String(Math.ceil(Date.now() / 1000) + 30),
          }),
      },
      {
        name: '500 Something went wrong.',
        expectedCode: 'CALL_FAILED',
        arrange: () => fail(CREATE, 500, errorEnvelope(500, 'Something went wrong.')),
      },
      {
        name: '502 with an HTML body',
        expectedCode: 'CALL_FAILED',
        arrange: () => failRaw(CREATE, 502, '<html><body>Bad Gateway</body></html>', 'text/html'),
      },
      {
        name: '401 echoing the credentials it was sent',
        expectedCode: 'CALL_FAILED',
        arrange: () => fail(CREATE, 401, errorEnvelope(401, `Unauthorized (${BASIC} ${KEY_SECRET})`)),
      },
      {
        name: '200 whose body is not an envelope (outcome unknown)',
        expectedCode: 'PROVIDER_TIMEOUT',
        arrange: () => failRaw(CREATE, 200, '<html>ok</html>', 'text/html'),
      },
    ],
    hang: () => {
      hanging = true
    },
    pendingRequests: () => held.size,
    dials: () =>
      received
        .filter((entry) => entry.method === 'POST' && entry.path === '/calls/create.json')
        .map((entry): ObservedDial => {
          const body = entry.body as { agent_id?: unknown; callee_number?: unknown } | undefined
          return { agent: String(body?.agent_id), lead: String(body?.callee_number), raw: body }
        }),
    presence: {
      statuses: presenceStatuses,
      arrange: (list) => {
        agents = list.map(({ providerAgentId, vendorStatus }) => agentWith(providerAgentId, vendorStatus))
      },
    },
    setup: () => server.listen({ onUnhandledRequest: 'error' }),
    reset: () => reset(),
    teardown: () => server.close(),
  }

  function reset(): void {
    received.length = 0
    contacts.clear()
    tags.clear()
    cdrs.length = 0
    placed.length = 0
    answers.length = 0
    agents = [{ ...DEFAULT_AGENT }]
    failures.clear()
    hanging = false
    keywordMatchesNumbers = options.keywordMatchesNumbers ?? true
    for (const release of [...held]) release()
  }

  return {
    server,
    backend,
    received,
    contacts,
    tags,
    cdrs,
    placed,
    answers,
    addCdr,
    webhook,
    webhookRequests,
    fail,
    failRaw,
    reset,
    /** Sets the agents `GET /agents/index.json` lists. */
    setAgents(list: MockAgent[]): void {
      agents = list
    },
    /** The default agent with some fields changed. */
    agent(overrides: Partial<MockAgent> = {}): MockAgent {
      return { ...DEFAULT_AGENT, ...overrides } as MockAgent
    },
    /** Whether `keyword` searches match numbers (UNCONFIRMED at CloudTalk). */
    setKeywordMatchesNumbers(value: boolean): void {
      keywordMatchesNumbers = value
    },
    /** Adds a contact as if created in CloudTalk's dashboard. */
    seedContact(contact: Omit<MockContact, 'id'> & { id?: string }): MockContact {
      const full: MockContact = { ...contact, id: contact.id ?? String(++ids) }
      contacts.set(full.id, full)
      for (const tag of full.tags) if (!tags.has(tag)) tags.set(tag, String(++ids))
      return full
    },
    /** Requests received on one path (e.g. `/calls/create.json`), oldest first. */
    requests(method: string, pathPrefix: string): Received[] {
      return received.filter((entry) => entry.method === method && entry.path.startsWith(pathPrefix))
    },
    /** Options wiring `cloudtalk()` to the mock. */
    options: { accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET },
  }
}

/** The mock's type. */
export type CloudTalkMock = ReturnType<typeof cloudtalkMock>

const FIXED_TIME = '2026-01-15T15:00:00.000Z'

/** An agent with a CloudTalk agent id (or none, with `null`). */
export function testAgent(id = 'alice', ref: string | null = AGENT_ID): Agent {
  return {
    id,
    name: id,
    phone: '+14155550100',
    status: 'available',
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs: ref === null ? {} : { cloudtalk: ref },
    metadata: {},
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    statusChangedAt: FIXED_TIME,
  } as Agent
}

/** A lead. */
export function testLead(phone = '+14155550199', extra: Partial<Lead> = {}): Lead {
  return {
    id: `lead-${phone}`,
    phone,
    fullName: 'John Carter',
    firstName: 'John',
    lastName: 'Carter',
    email: 'john.carter@example.com',
    source: 'api',
    priority: 'normal',
    tags: [],
    custom: {},
    receivedAt: FIXED_TIME,
    ...extra,
  }
}

let attempts = 0

/** A dial request of `agent` and `lead`, with a fresh attempt id. */
export function testDial(extra: Partial<DialRequest> = {}): DialRequest {
  attempts++
  return {
    attemptId: `att-${attempts}`,
    processId: `proc-${attempts}`,
    timeoutMs: 30_000,
    agent: testAgent(),
    lead: testLead(),
    ...extra,
  }
}

/** Awaits a promise expected to reject with a `LeadCallError` and returns it. */
export async function leadCallError(promise: Promise<unknown>): Promise<LeadCallError> {
  try {
    await promise
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}
