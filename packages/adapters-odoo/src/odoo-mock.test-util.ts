/**
 * A mock of Odoo's `/jsonrpc` endpoint (msw), faithful to PROVIDERS.md §4: JSON-RPC 2.0 envelopes
 * (`params` by name: `service`, `method`, `args`), `common.authenticate(db, login, password,
 * user_agent_env)` answering a uid or `false`, `object.execute_kw(db, uid, password, model, method,
 * args, kwargs)` with ids first in `args` for record methods, faults as HTTP 200 with
 * `error.data.name` the dotted exception (code 100 for an expired session), many2one values read
 * as `[id, name]`, x2many command tuples, `active_test`, `message_post` escaping a text body. It
 * also serves the CRM conformance kit as its backend.
 */
import type { CrmMockBackend, CrmRecordView } from '@leadcall/core/testing'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { createOrm, OdooFault, type OdooRecord } from './odoo-mock-orm.test-util.js'

export const ODOO_URL = 'https://acme.odoo.test'
export const ENDPOINT = `${ODOO_URL}/jsonrpc`
export const DB = 'acme'
export const LOGIN = 'bot@acme.test'
export const API_KEY = 'odoo-apikey-3f9a0c1d7e5b4a2f8c6d1e0b'
export const PASSWORD = 'odoo-password-Kq2v9zLm'
export const UID = 2

/** One JSON-RPC call the mock received, with the `execute_kw` arguments split out. */
export interface RpcCall {
  service: string
  method: string
  args: unknown[]
  /** For `execute_kw`: the model, its method, its positional args and kwargs. */
  model?: string
  modelMethod?: string
  modelArgs?: unknown[]
  kwargs?: Record<string, unknown>
}

/** A message `message_post` stored. */
export interface MockMessage {
  id: number
  model: string
  res_id: number
  body: string
  message_type: string
  subtype_xmlid?: string
}

/** What an arranged failure matches. */
export interface CallMatch {
  service?: string
  method?: string
  model?: string
  modelMethod?: string
}

type Arranged =
  | {
      match: CallMatch
      kind: 'fault'
      exception: string
      message: string
      code: number
      /** Runs when the failure fires (e.g. another process creates the record meanwhile). */
      effect?: () => void
    }
  | { match: CallMatch; kind: 'http'; status: number; body: string; contentType: string }

const MESSAGE_POST_KWARGS = new Set([
  'body',
  'subject',
  'message_type',
  'subtype_xmlid',
  'subtype_id',
  'partner_ids',
  'author_id',
  'email_from',
  'parent_id',
  'attachment_ids',
  'body_is_html',
])

/** Escapes text as `markupsafe.escape` does. */
function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;')
}

/** HTML to plain text: line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|ul|div)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim()
}

function matches(match: CallMatch, call: RpcCall): boolean {
  return (
    (match.service === undefined || match.service === call.service) &&
    (match.method === undefined || match.method === call.method) &&
    (match.model === undefined || match.model === call.model) &&
    (match.modelMethod === undefined || match.modelMethod === call.modelMethod)
  )
}

/** Creates the mock server, its state, and the conformance backend. */
export function odooMock() {
  const orm = createOrm()
  const received: RpcCall[] = []
  const messages: MockMessage[] = []
  const held = new Set<() => void>()
  const arranged: Arranged[] = []
  let hanging = false
  let credentials = new Set([API_KEY, PASSWORD])
  let authentications = 0

  function fixtures(): void {
    orm.insert('crm.stage', { name: 'New', is_won: false, sequence: 1 })
    orm.insert('crm.stage', { name: 'Qualified', is_won: false, sequence: 2 })
    orm.insert('crm.stage', { name: 'Won', is_won: true, sequence: 70 })
    orm.insert('res.users', { name: 'OdooBot', login: '__system__' })
    orm.insert('res.users', { name: 'Leadcall Bot', login: LOGIN })
    orm.insert('crm.team', { name: 'Sales' })
  }
  fixtures()

  function accessDenied(): OdooFault {
    return new OdooFault('odoo.exceptions.AccessDenied', 'Access Denied')
  }

  function checkDb(db: unknown): void {
    if (db !== DB) {
      throw new OdooFault(
        'psycopg2.OperationalError',
        `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist`,
      )
    }
  }

  function common(call: RpcCall): unknown {
    const { method, args } = call
    if (method === 'version') {
      return {
        server_version: '17.0',
        server_version_info: [17, 0, 0, 'final', 0, ''],
        server_serie: '17.0',
        protocol_version: 1,
      }
    }
    if (method === 'authenticate' || method === 'login') {
      const expected = method === 'authenticate' ? 4 : 3
      if (args.length !== expected) {
        throw new OdooFault(
          'builtins.TypeError',
          `${method}() takes ${expected} positional arguments but ${args.length} were given`,
        )
      }
      checkDb(args[0])
      authentications++
      // AccessDenied is caught inside: bad credentials answer `false`.
      return args[1] === LOGIN && credentials.has(args[2] as string) ? UID : false
    }
    throw new OdooFault(
      'builtins.AttributeError',
      `module 'odoo.service.common' has no attribute 'exp_${method}'`,
    )
  }

  function messagePost(model: string, args: unknown[], kwargs: Record<string, unknown>): number {
    if (model !== 'crm.lead') {
      throw new OdooFault('builtins.AttributeError', `'${model}' object has no attribute 'message_post'`)
    }
    for (const key of Object.keys(kwargs)) {
      if (!MESSAGE_POST_KWARGS.has(key)) {
        throw new OdooFault(
          'builtins.TypeError',
          `message_post() got an unexpected keyword argument '${key}'`,
        )
      }
    }
    if (args.length !== 1) {
      throw new OdooFault('builtins.TypeError', 'message_post() takes 1 positional argument (the ids)')
    }
    const records = orm.browse(model, args[0], UID)
    if (records.length !== 1) {
      throw new OdooFault(
        'builtins.ValueError',
        `Expected singleton: ${model}(${records.map((r) => r.id).join(', ')})`,
      )
    }
    const messageType = (kwargs.message_type as string | undefined) ?? 'notification'
    if (!['comment', 'notification', 'email', 'auto_comment', 'user_notification'].includes(messageType)) {
      throw new OdooFault(
        'builtins.ValueError',
        `Wrong value for mail.message.message_type: '${messageType}'`,
      )
    }
    const body = kwargs.body ?? ''
    if (typeof body !== 'string') throw new OdooFault('builtins.TypeError', 'body must be a string')
    const message: MockMessage = {
      id: messages.length + 1,
      model,
      res_id: (records[0] as OdooRecord).id,
      // A str body is escaped (only Markup is kept as HTML), so text shows as text.
      body: escapeMarkup(body),
      message_type: messageType,
      ...(typeof kwargs.subtype_xmlid === 'string' ? { subtype_xmlid: kwargs.subtype_xmlid } : {}),
    }
    messages.push(message)
    return message.id
  }

  function object(call: RpcCall): unknown {
    if (call.method !== 'execute_kw' && call.method !== 'execute') {
      throw new OdooFault(
        'builtins.AttributeError',
        `module 'odoo.service.model' has no attribute '${call.method}'`,
      )
    }
    const { args } = call
    if (args.length < 6 || args.length > 7) {
      throw new OdooFault(
        'builtins.TypeError',
        `execute_kw() takes from 6 to 7 positional arguments but ${args.length} were given`,
      )
    }
    const [db, uid, password, model, method, positional, kwargs = {}] = args as [
      unknown,
      unknown,
      unknown,
      string,
      string,
      unknown,
      Record<string, unknown> | undefined,
    ]
    checkDb(db)
    if (uid !== UID || !credentials.has(password as string)) throw accessDenied()
    if (!Array.isArray(positional)) throw new OdooFault('builtins.TypeError', 'args must be a list')
    if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
      throw new OdooFault('builtins.TypeError', 'kwargs must be a dict')
    }
    orm.modelOf(model)
    const at = (index: number, name: string) => (positional.length > index ? positional[index] : kwargs[name])
    switch (method) {
      case 'search':
        return orm
          .search(model, at(0, 'domain') ?? [], {
            offset: at(1, 'offset'),
            limit: at(2, 'limit'),
            order: at(3, 'order'),
          })
          .map((record) => record.id)
      case 'search_count':
        return orm.search(model, at(0, 'domain') ?? []).length
      case 'search_read': {
        const found = orm.search(model, at(0, 'domain') ?? [], {
          offset: at(2, 'offset'),
          limit: at(3, 'limit'),
          order: at(4, 'order'),
        })
        return orm.read(model, found, at(1, 'fields'))
      }
      case 'read':
        return orm.read(model, orm.browse(model, at(0, 'ids'), UID), at(1, 'fields'))
      case 'create':
        return orm.create(model, at(0, 'vals_list'), UID)
      case 'write':
        return orm.write(model, at(0, 'ids'), at(1, 'vals'), UID)
      case 'message_post':
        return messagePost(model, positional, kwargs)
      default:
        throw new OdooFault(
          'builtins.AttributeError',
          `The method '${method}' does not exist on the model '${model}'`,
        )
    }
  }

  function fault(id: unknown, call: RpcCall | undefined, exception: string, message: string, code = 200) {
    return HttpResponse.json({
      jsonrpc: '2.0',
      id,
      error: {
        code,
        message: code === 100 ? 'Odoo Session Expired' : 'Odoo Server Error',
        data: {
          name: exception,
          // The traceback shows the call's arguments, the password included: it must never reach an error.
          debug: `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1790, in _serve_db\n    dispatch(${JSON.stringify(call?.args ?? [])})\n${exception}: ${message}\n`,
          message,
          arguments: [message],
          context: {},
        },
      },
    })
  }

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

  const server = setupServer(
    http.post(ENDPOINT, async ({ request }) => {
      if (!(request.headers.get('content-type') ?? '').includes('application/json')) {
        return new HttpResponse('<h1>Not Found</h1>', {
          status: 404,
          headers: { 'content-type': 'text/html' },
        })
      }
      let body: unknown
      try {
        body = JSON.parse(await request.text())
      } catch {
        return fault(
          null,
          undefined,
          'werkzeug.exceptions.BadRequest',
          '400 Bad Request: Invalid JSON data',
          400,
        )
      }
      const envelope = body as { jsonrpc?: unknown; method?: unknown; id?: unknown; params?: unknown }
      const params = envelope.params as { service?: unknown; method?: unknown; args?: unknown } | undefined
      if (
        envelope.jsonrpc !== '2.0' ||
        envelope.method !== 'call' ||
        typeof params?.service !== 'string' ||
        typeof params.method !== 'string' ||
        !Array.isArray(params.args)
      ) {
        return fault(
          envelope.id ?? null,
          undefined,
          'werkzeug.exceptions.BadRequest',
          'Invalid JSON-RPC request',
          400,
        )
      }
      const call: RpcCall = { service: params.service, method: params.method, args: params.args }
      if (call.service === 'object' && call.method === 'execute_kw') {
        call.model = String(call.args[3])
        call.modelMethod = String(call.args[4])
        call.modelArgs = Array.isArray(call.args[5]) ? call.args[5] : []
        call.kwargs = (call.args[6] as Record<string, unknown> | undefined) ?? {}
      }
      received.push(call)
      if (await holdIfHanging(request)) return new HttpResponse(null, { status: 503 })
      const index = arranged.findIndex((failure) => matches(failure.match, call))
      if (index >= 0) {
        const [failure] = arranged.splice(index, 1)
        if (failure?.kind === 'http') {
          return new HttpResponse(failure.body, {
            status: failure.status,
            headers: { 'content-type': failure.contentType },
          })
        }
        if (failure?.kind === 'fault') {
          failure.effect?.()
          return fault(envelope.id, call, failure.exception, failure.message, failure.code)
        }
      }
      try {
        const result =
          call.service === 'common'
            ? common(call)
            : call.service === 'object'
              ? object(call)
              : (() => {
                  throw new OdooFault('builtins.KeyError', `'${call.service}'`)
                })()
        return HttpResponse.json({ jsonrpc: '2.0', id: envelope.id, result })
      } catch (error) {
        if (error instanceof OdooFault)
          return fault(envelope.id, call, error.exception, error.message, error.code)
        throw error
      }
    }),
  )

  /** The lead as the kit sees it. */
  function view(record: OdooRecord): CrmRecordView {
    const stage =
      record.stage_id === false ? undefined : orm.table('crm.stage').get(record.stage_id as number)
    const text = (value: unknown) => (typeof value === 'string' ? value : '')
    return {
      id: String(record.id),
      phones: [record.phone, record.mobile].filter((v): v is string => typeof v === 'string'),
      emails: typeof record.email_from === 'string' ? [record.email_from] : [],
      name: [text(record.name), text(record.contact_name)].filter(Boolean).join(' / '),
      open: record.active === true && stage?.is_won !== true,
      notes: messages
        .filter((m) => m.model === 'crm.lead' && m.res_id === record.id && m.message_type === 'comment')
        .map((m) => htmlToText(m.body)),
      details: [
        htmlToText(text(record.description)),
        text(record.partner_name),
        text(record.city),
        text(record.x_product_interest),
        text(record.x_budget_range),
        record.x_quality_score ? String(record.x_quality_score) : '',
      ]
        .filter(Boolean)
        .join('\n'),
      tags: (record.tag_ids as number[]).map((id) => String(orm.table('crm.tag').get(id)?.name ?? id)),
    }
  }

  /** Makes the next call matching `match` fail with this exception (code 200 unless given). */
  function arrangeFault(
    match: CallMatch,
    exception: string,
    message: string,
    options: { code?: number; effect?: () => void } = {},
  ): void {
    arranged.push({
      match,
      kind: 'fault',
      exception,
      message,
      code: options.code ?? 200,
      ...(options.effect ? { effect: options.effect } : {}),
    })
  }

  function arrangeHttp(match: CallMatch, status: number, body: string, contentType = 'text/html'): void {
    arranged.push({ match, kind: 'http', status, body, contentType })
  }

  /** An expired session on the next `execute_kw`. */
  function expireSession(match: CallMatch = { method: 'execute_kw' }): void {
    arrangeFault(match, 'odoo.http.SessionExpiredException', 'Session expired', { code: 100 })
  }

  const CREATE: CallMatch = { model: 'crm.lead', modelMethod: 'create' }

  const backend: CrmMockBackend = {
    secrets: [API_KEY, PASSWORD],
    records: () => [...orm.table('crm.lead').values()].map(view),
    seed(seed) {
      const status = seed.status ?? 'open'
      const record = orm.insert('crm.lead', {
        name: `Enquiry — ${seed.name}`,
        contact_name: seed.name,
        phone: seed.phone ?? false,
        email_from: seed.email ?? false,
        // Won: the stage with is_won; lost: archived with probability 0.
        stage_id: status === 'won' ? 3 : 1,
        active: status !== 'lost',
        probability: status === 'won' ? 100 : status === 'lost' ? 0 : 10,
      })
      return String(record.id)
    },
    closedStatuses: ['won', 'lost'],
    failures: [
      {
        name: 'common.authenticate answering false (API key revoked)',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => {
          credentials = new Set()
        },
      },
      {
        name: 'AccessError: the user may not create crm.lead',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () =>
          arrangeFault(
            CREATE,
            'odoo.exceptions.AccessError',
            "You are not allowed to create 'Lead/Opportunity' (crm.lead) records.\n\nThis operation is allowed for the following groups:\n\t- Sales/User: Own Documents Only",
          ),
      },
      {
        name: "ValueError: Invalid field 'x_product_interest' (custom field not created)",
        expectedCode: 'VALIDATION_FAILED',
        arrange: () => orm.dropField('crm.lead', 'x_product_interest'),
      },
      {
        name: 'ValidationError on create',
        expectedCode: 'VALIDATION_FAILED',
        arrange: () =>
          arrangeFault(CREATE, 'odoo.exceptions.ValidationError', 'The email address "kit" is not valid.'),
      },
      {
        name: 'UserError on create',
        expectedCode: 'VALIDATION_FAILED',
        arrange: () => arrangeFault(CREATE, 'odoo.exceptions.UserError', 'A lead needs a sales team.'),
      },
      {
        name: 'a session that stays expired (code 100) after re-authenticating',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => {
          expireSession()
          expireSession()
        },
      },
      {
        name: 'Odoo Server Error echoing the API key',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () =>
          arrangeFault(
            CREATE,
            'psycopg2.OperationalError',
            `server closed the connection unexpectedly (while running with password ${API_KEY})`,
          ),
      },
      {
        name: 'HTTP 502 with an HTML page from the proxy',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => arrangeHttp({}, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>'),
      },
      {
        name: 'HTTP 503 while Odoo restarts',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => arrangeHttp({}, 503, '<html><body>Service Unavailable</body></html>'),
      },
      {
        name: 'HTTP 504 from the proxy',
        expectedCode: 'PROVIDER_TIMEOUT',
        arrange: () => arrangeHttp({}, 504, '<html><body>504 Gateway Time-out</body></html>'),
      },
      {
        name: 'HTTP 200 with an HTML page (the url is not the Odoo server)',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => arrangeHttp({}, 200, '<!DOCTYPE html><html><body>Welcome</body></html>'),
      },
    ],
    hang: () => {
      hanging = true
    },
    pendingRequests: () => held.size,
    requestCount: () => received.length,
    setup: () => server.listen({ onUnhandledRequest: 'error' }),
    reset: () => reset(),
    teardown: () => server.close(),
  }

  function reset(): void {
    received.length = 0
    messages.length = 0
    arranged.length = 0
    hanging = false
    credentials = new Set([API_KEY, PASSWORD])
    authentications = 0
    orm.reset()
    fixtures()
    for (const release of [...held]) release()
  }

  return {
    server,
    backend,
    orm,
    received,
    messages,
    reset,
    view,
    arrangeFault,
    arrangeHttp,
    expireSession,
    /** How many times `common.authenticate` (or `login`) was answered. */
    authentications: () => authentications,
    /** Revokes every credential: authenticate answers false, execute_kw raises AccessDenied. */
    revokeCredentials(): void {
      credentials = new Set()
    },
    /** The `execute_kw` calls received, as `model.method`. */
    modelCalls(): string[] {
      return received.filter((c) => c.model !== undefined).map((c) => `${c.model}.${c.modelMethod}`)
    },
    /** The leads, as stored. */
    leads(): OdooRecord[] {
      return [...orm.table('crm.lead').values()]
    },
    /** Options wiring `odoo()` to the mock. */
    options: { url: ODOO_URL, db: DB, username: LOGIN, apiKey: API_KEY },
  }
}

/** The mock's type. */
export type OdooMock = ReturnType<typeof odooMock>
