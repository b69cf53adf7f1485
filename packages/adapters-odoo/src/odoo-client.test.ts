import { LeadCallError } from '@leadcall/core'
import { HttpResponse, http } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createOdooClient, type OdooClientConfig } from './odoo-client.js'
import { API_KEY, DB, ENDPOINT, LOGIN, odooMock, PASSWORD, UID } from './odoo-mock.test-util.js'

const mock = odooMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  mock.reset()
  mock.server.resetHandlers()
})
afterAll(() => mock.server.close())

function client(overrides: Partial<OdooClientConfig> = {}) {
  return createOdooClient({
    endpoint: ENDPOINT,
    db: DB,
    username: LOGIN,
    secret: API_KEY,
    timeoutMs: 5_000,
    closed: new AbortController().signal,
    ...overrides,
  })
}

async function rejection(promise: Promise<unknown>): Promise<LeadCallError> {
  try {
    await promise
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}

function expectNoSecret(error: LeadCallError): void {
  const texts = [
    error.message,
    error.stack ?? '',
    JSON.stringify(error.toJSON()),
    JSON.stringify(error.details),
  ]
  for (const text of texts) {
    expect(text).not.toContain(API_KEY)
    expect(text).not.toContain(PASSWORD)
  }
}

describe('createOdooClient — authentication', () => {
  it('authenticates with common.authenticate(db, login, key, {}) and sends execute_kw in Odoo’s argument order', async () => {
    const odoo = client()
    await odoo.executeKw('crm.stage', 'search_read', [[['is_won', '=', true]]], { fields: ['name'] })
    expect(mock.received.map((call) => [call.service, call.method])).toEqual([
      ['common', 'authenticate'],
      ['object', 'execute_kw'],
    ])
    expect(mock.received[0]?.args).toEqual([DB, LOGIN, API_KEY, {}])
    expect(mock.received[1]?.args).toEqual([
      DB,
      UID,
      API_KEY,
      'crm.stage',
      'search_read',
      [[['is_won', '=', true]]],
      { fields: ['name'] },
    ])
  })

  it('caches the uid: later calls do not authenticate again', async () => {
    const odoo = client()
    await odoo.executeKw('crm.stage', 'search', [[]])
    await odoo.executeKw('crm.stage', 'search_count', [[]])
    expect(await odoo.uid()).toBe(UID)
    expect(mock.authentications()).toBe(1)
  })

  it('authenticates with a password as well as with an API key', async () => {
    expect(await client({ secret: PASSWORD }).uid()).toBe(UID)
  })

  it('reports bad credentials (authenticate answers false) clearly, without the key', async () => {
    mock.revokeCredentials()
    const error = await rejection(client().executeKw('crm.lead', 'search', [[]]))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/^Odoo refused the login: check the database, the username/)
    expect(error.details).toMatchObject({
      reason: 'bad_credentials',
      odooException: 'odoo.exceptions.AccessDenied',
    })
    expectNoSecret(error)
    expect(mock.modelCalls()).toEqual([])
  })

  it('reports a database that does not exist', async () => {
    const error = await rejection(client({ db: 'nope' }).uid())
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.details).toMatchObject({ odooException: 'psycopg2.OperationalError' })
    expect(error.message).toContain('database "nope" does not exist')
  })
})

describe('createOdooClient — re-authentication', () => {
  it('authenticates again and retries once when the session expired (code 100)', async () => {
    const odoo = client()
    await odoo.uid()
    mock.expireSession()
    await expect(odoo.executeKw('crm.stage', 'search_count', [[]])).resolves.toBe(3)
    expect(mock.authentications()).toBe(2)
    expect(mock.modelCalls()).toEqual(['crm.stage.search_count', 'crm.stage.search_count'])
  })

  it('recognises odoo.http.SessionExpiredException by name too', async () => {
    const odoo = client()
    mock.arrangeFault({ method: 'execute_kw' }, 'odoo.http.SessionExpiredException', 'Session expired')
    await expect(odoo.executeKw('crm.stage', 'search_count', [[]])).resolves.toBe(3)
    expect(mock.authentications()).toBe(2)
  })

  it('gives up after one retry, with a retryable error', async () => {
    mock.expireSession()
    mock.expireSession()
    const error = await rejection(client().executeKw('crm.stage', 'search_count', [[]]))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(true)
    expect(error.details).toMatchObject({ reason: 'session_expired', odooCode: 100 })
    expect(mock.authentications()).toBe(2)
  })

  it('forgets the uid after AccessDenied (key revoked), so the next call reports bad credentials', async () => {
    const odoo = client()
    await odoo.uid()
    mock.revokeCredentials()
    const first = await rejection(odoo.executeKw('crm.stage', 'search', [[]]))
    expect(first.details).toMatchObject({
      reason: 'bad_credentials',
      odooException: 'odoo.exceptions.AccessDenied',
    })
    expectNoSecret(first)
    await rejection(odoo.executeKw('crm.stage', 'search', [[]]))
    expect(mock.authentications()).toBe(2)
  })
})

describe('createOdooClient — transport', () => {
  it('never copies the traceback, which holds the key, into the error', async () => {
    mock.arrangeFault({ method: 'execute_kw' }, 'builtins.KeyError', `'x' (key ${API_KEY})`)
    const error = await rejection(client().executeKw('crm.stage', 'search', [[]]))
    expectNoSecret(error)
    expect(JSON.stringify(error.details)).not.toContain('Traceback')
  })

  it('maps a 429 from a proxy in front of Odoo to RATE_LIMITED with the wait', async () => {
    mock.server.use(
      http.post(
        ENDPOINT,
        () => new HttpResponse('Too Many Requests', { status: 429, headers: { 'Retry-After': '30' } }),
      ),
    )
    const error = await rejection(client().uid())
    expect(error.code).toBe('RATE_LIMITED')
    expect(error.details).toMatchObject({ httpStatus: 429, retryAfterMs: 30_000 })
  })

  it('maps a 404 to a non-retryable error naming the url', async () => {
    mock.arrangeHttp({}, 404, '<h1>Not Found</h1>')
    const error = await rejection(client().uid())
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.message).toContain('check the url')
  })

  it('gives PROVIDER_TIMEOUT when Odoo does not answer in time', async () => {
    mock.backend.hang()
    const error = await rejection(client({ timeoutMs: 50 }).uid())
    expect(error.code).toBe('PROVIDER_TIMEOUT')
    expect(error.details).toMatchObject({ operation: 'common.authenticate', timeoutMs: 50 })
  })

  it('maps a network failure to a retryable error without the key', async () => {
    mock.server.use(http.post(ENDPOINT, () => HttpResponse.error()))
    const error = await rejection(client().uid())
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(true)
    expect(error.details).toMatchObject({ reason: 'network' })
    expectNoSecret(error)
  })

  it('rethrows the caller’s abort reason untouched', async () => {
    mock.backend.hang()
    const controller = new AbortController()
    const reason = new Error('stop')
    const pending = client().uid(controller.signal)
    setTimeout(() => controller.abort(reason), 10)
    await expect(pending).rejects.toBe(reason)
  })

  it('refuses every call once closed, and ends calls in flight', async () => {
    const closer = new AbortController()
    const odoo = client({ closed: closer.signal })
    mock.backend.hang()
    const pending = rejection(odoo.uid())
    setTimeout(() => closer.abort(), 10)
    expect((await pending).message).toBe('The Odoo adapter is closed')
    expect((await rejection(odoo.uid())).code).toBe('CONTACT_CREATION_FAILED')
  })
})
