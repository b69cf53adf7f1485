import { LeadCallError, type LeadCallErrorCode } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { buildJsonRpcCall, type OdooFaultReason, parseJsonRpcResponse } from './odoo-jsonrpc.js'

const DB = 'acme-prod'
const API_KEY = '8f1c2b7e0d9a4c6b5e3f2a1d0c9b8a7f6e5d4c3b'

/** An Odoo JSON-RPC fault reply, shaped as `odoo/http.py` serialises exceptions. */
function fault(
  name: string,
  message: string,
  overrides: { code?: number; message?: string; id?: number } = {},
) {
  return {
    jsonrpc: '2.0',
    id: overrides.id ?? 1,
    error: {
      code: overrides.code ?? 200,
      message: overrides.message ?? 'Odoo Server Error',
      data: {
        name,
        debug: `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1790, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n${name}: ${message}\n`,
        message,
        arguments: [message],
        context: {},
      },
    },
  }
}

function catchError(fn: () => unknown): LeadCallError {
  try {
    fn()
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}

describe('buildJsonRpcCall', () => {
  it('builds the exact /jsonrpc body of common.version', () => {
    expect(JSON.stringify(buildJsonRpcCall('common', 'version', [], 1))).toBe(
      '{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]},"id":1}',
    )
  })

  it('builds an object.execute_kw call with ids, args and kwargs in order', () => {
    const args = [
      DB,
      2,
      API_KEY,
      'crm.lead',
      'search_read',
      [[['email_from', '=ilike', 'a@b.c']]],
      { fields: ['id'] },
    ]
    expect(buildJsonRpcCall('object', 'execute_kw', args, 'req-7')).toEqual({
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args },
      id: 'req-7',
    })
  })

  it('copies the args array', () => {
    const args: unknown[] = [DB, 'admin', API_KEY]
    const body = buildJsonRpcCall('common', 'login', args, 3)
    args.push('late')
    expect(body.params.args).toEqual([DB, 'admin', API_KEY])
  })
})

describe('parseJsonRpcResponse — results', () => {
  it('returns the result of common.version', () => {
    const version = {
      server_version: '17.0',
      server_version_info: [17, 0, 0, 'final', 0, ''],
      server_serie: '17.0',
      protocol_version: 1,
    }
    expect(parseJsonRpcResponse({ jsonrpc: '2.0', id: 1, result: version })).toEqual(version)
  })

  it.each([
    ['a uid', 2],
    ['false (common.login with bad credentials)', false],
    ['null (a method returning None)', null],
    ['a list of ids', [41, 42]],
    ['true (write)', true],
  ])('returns %s', (_label, result) => {
    expect(parseJsonRpcResponse({ jsonrpc: '2.0', id: 1, result }, { id: 1 })).toEqual(result)
  })

  it('accepts a reply without the jsonrpc member', () => {
    expect(parseJsonRpcResponse({ id: 1, result: 5 })).toBe(5)
  })
})

describe('parseJsonRpcResponse — Odoo faults', () => {
  const table: Array<
    [name: string, message: string, code: LeadCallErrorCode, retryable: boolean, reason: OdooFaultReason]
  > = [
    [
      'odoo.exceptions.ValidationError',
      'The email address "not-an-email" is not valid.',
      'VALIDATION_FAILED',
      false,
      'validation',
    ],
    [
      'odoo.exceptions.UserError',
      'You cannot create a lead without a name.',
      'VALIDATION_FAILED',
      false,
      'validation',
    ],
    [
      'odoo.exceptions.MissingError',
      'Record does not exist or has been deleted.\n(Record: crm.lead(999,), User: 2)',
      'VALIDATION_FAILED',
      false,
      'missing_record',
    ],
    [
      'builtins.ValueError',
      "Wrong value for crm.lead.priority: '7'",
      'VALIDATION_FAILED',
      false,
      'validation',
    ],
    ['odoo.exceptions.AccessDenied', 'Access Denied', 'CONTACT_CREATION_FAILED', false, 'bad_credentials'],
    [
      'odoo.exceptions.AccessError',
      "You are not allowed to create 'Lead/Opportunity' (crm.lead) records.\n\nThis operation is allowed for the following groups:\n\t- Sales/User: Own Documents Only",
      'CONTACT_CREATION_FAILED',
      false,
      'access_rights',
    ],
    [
      'psycopg2.errors.SerializationFailure',
      'could not serialize access due to concurrent update',
      'CONTACT_CREATION_FAILED',
      true,
      'conflict',
    ],
    ['builtins.KeyError', "'crm.lead'", 'CONTACT_CREATION_FAILED', false, 'server_error'],
  ]

  it.each(table)('maps %s', (name, message, code, retryable, reason) => {
    const error = catchError(() => parseJsonRpcResponse(fault(name, message)))
    expect(error.code).toBe(code)
    expect(error.retryable).toBe(retryable)
    expect(error.details).toEqual({ reason, odooException: name, odooCode: 200, odooMessage: message })
    expect(error.message).toContain(name)
    expect(error.message).toContain(message)
  })

  it('names the missing field of an "Invalid field" ValueError', () => {
    const message = "Invalid field 'x_product_interest' on model 'crm.lead'"
    const error = catchError(() => parseJsonRpcResponse(fault('builtins.ValueError', message)))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.details).toEqual({
      reason: 'missing_field',
      field: 'x_product_interest',
      odooException: 'builtins.ValueError',
      odooCode: 200,
      odooMessage: message,
    })
    expect(error.message).toMatch(/^Odoo has no field x_product_interest: create it in Odoo/)
  })

  it('tells a credentials problem apart from a rights problem', () => {
    expect(
      catchError(() => parseJsonRpcResponse(fault('odoo.exceptions.AccessDenied', 'Access Denied'))).message,
    ).toBe(
      'Odoo denied access: check the database, login and API key (odoo.exceptions.AccessDenied: Access Denied)',
    )
    expect(
      catchError(() => parseJsonRpcResponse(fault('odoo.exceptions.AccessError', 'Not allowed'))).message,
    ).toMatch(/^The Odoo user lacks the access rights/)
  })

  it('maps an expired session (code 100) to a retryable failure', () => {
    const body = fault('odoo.http.SessionExpiredException', 'Session expired', {
      code: 100,
      message: 'Odoo Session Expired',
    })
    const error = catchError(() => parseJsonRpcResponse(body))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(true)
    expect(error.details).toMatchObject({
      reason: 'session_expired',
      odooCode: 100,
      odooException: 'odoo.http.SessionExpiredException',
    })
  })

  it('maps a 404 fault to a non-retryable failure', () => {
    const body = fault(
      'werkzeug.exceptions.NotFound',
      '404 Not Found: The requested URL was not found on the server.',
      { code: 404, message: '404: Not Found' },
    )
    const error = catchError(() => parseJsonRpcResponse(body))
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/^Odoo has no such JSON-RPC endpoint/)
  })

  it('never carries the traceback, context or arguments', () => {
    const error = catchError(() => parseJsonRpcResponse(fault('odoo.exceptions.UserError', 'Nope')))
    const serialized = JSON.stringify(error.toJSON())
    expect(serialized).not.toContain('Traceback')
    expect(serialized).not.toContain('http.py')
    expect(Object.keys(error.details as object).sort()).toEqual([
      'odooCode',
      'odooException',
      'odooMessage',
      'reason',
    ])
  })

  it('redacts the secrets it is given from the message and details', () => {
    const body = fault('builtins.ValueError', `invalid literal for int() with base 10: '${API_KEY}'`)
    const error = catchError(() => parseJsonRpcResponse(body, { secrets: [API_KEY, 'admin@acme.test'] }))
    expect(error.message).not.toContain(API_KEY)
    expect(JSON.stringify(error.details)).not.toContain(API_KEY)
    expect(error.message).toContain('[REDACTED]')
  })

  it('redacts a longer secret whole even when a shorter one is inside it', () => {
    const body = fault('odoo.exceptions.UserError', 'key abc123def')
    const error = catchError(() => parseJsonRpcResponse(body, { secrets: ['abc', 'abc123def'] }))
    expect((error.details as { odooMessage: string }).odooMessage).toBe('key [REDACTED]')
  })

  it('still reports a fault without data', () => {
    const error = catchError(() =>
      parseJsonRpcResponse({ jsonrpc: '2.0', id: 1, error: { code: 200, message: 'Odoo Server Error' } }),
    )
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.details).toEqual({ reason: 'server_error', odooCode: 200, odooMessage: 'Odoo Server Error' })
  })

  it('still reports a fault whose members have unexpected types', () => {
    const error = catchError(() =>
      parseJsonRpcResponse({
        jsonrpc: '2.0',
        id: 1,
        error: { code: '200', data: { name: 42, message: 'Boom' } },
      }),
    )
    expect(error.code).toBe('CONTACT_CREATION_FAILED')
    expect(error.details).toEqual({ reason: 'server_error', odooMessage: 'Boom' })
  })

  it('reports a fault even when its id is null', () => {
    const body = { ...fault('odoo.exceptions.UserError', 'Bad request'), id: null }
    expect(catchError(() => parseJsonRpcResponse(body, { id: 9 })).code).toBe('VALIDATION_FAILED')
  })
})

describe('parseJsonRpcResponse — malformed replies', () => {
  it.each([
    ['null', null],
    ['a string', '<html>502 Bad Gateway</html>'],
    ['an array', [{ result: 1 }]],
    ['an object with neither result nor error', { jsonrpc: '2.0', id: 1 }],
    ['an error that is a string', { jsonrpc: '2.0', id: 1, error: 'boom' }],
    ['another protocol version', { jsonrpc: '1.0', id: 1, result: 1 }],
  ])('throws VALIDATION_FAILED with the raw body on %s', (_label, body) => {
    const error = catchError(() => parseJsonRpcResponse(body))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toEqual({ body })
  })

  it('rejects a reply to another request', () => {
    const error = catchError(() => parseJsonRpcResponse({ jsonrpc: '2.0', id: 2, result: 7 }, { id: 1 }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toBe('Odoo JSON-RPC response id 2 does not match request id 1')
  })

  it('redacts secrets from the raw body it reports', () => {
    const body = { jsonrpc: '2.0', id: 1, unexpected: { echoed: [`key=${API_KEY}`] } }
    const error = catchError(() => parseJsonRpcResponse(body, { secrets: [API_KEY] }))
    expect(error.details).toEqual({
      body: { jsonrpc: '2.0', id: 1, unexpected: { echoed: ['key=[REDACTED]'] } },
    })
  })
})
