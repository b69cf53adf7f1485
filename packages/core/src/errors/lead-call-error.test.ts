import { describe, expect, it } from 'vitest'
import {
  ERROR_CODES,
  ERROR_STATUS,
  isLeadCallError,
  isLeadCallErrorCode,
  LeadCallError,
} from './lead-call-error.js'

describe('LeadCallError', () => {
  it('maps every code to the documented HTTP status', () => {
    expect(ERROR_STATUS).toEqual({
      NO_AGENTS_AVAILABLE: 503,
      MISSING_PHONE: 400,
      INVALID_PHONE: 400,
      CONTACT_CREATION_FAILED: 422,
      AGENT_NOT_AVAILABLE: 503,
      AGENT_BUSY: 503,
      CALL_FAILED: 500,
      DUPLICATE_LEAD: 409,
      DNC_BLOCKED: 403,
      OUTSIDE_CALLING_HOURS: 409,
      PROVIDER_TIMEOUT: 504,
      RATE_LIMITED: 429,
      INVALID_SIGNATURE: 401,
      VALIDATION_FAILED: 400,
    })
    for (const code of ERROR_CODES) expect(new LeadCallError(code).status).toBe(ERROR_STATUS[code])
  })

  it('keeps code, message, details and cause', () => {
    const cause = new Error('socket hang up')
    const error = new LeadCallError('CALL_FAILED', {
      message: 'dial failed',
      details: { provider: 'x' },
      cause,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('LeadCallError')
    expect(error.code).toBe('CALL_FAILED')
    expect(error.message).toBe('dial failed')
    expect(error.details).toEqual({ provider: 'x' })
    expect(error.cause).toBe(cause)
    expect(error.retryable).toBe(true)
    expect(new LeadCallError('DNC_BLOCKED').retryable).toBe(false)
  })

  it('serialises to a JSON body without stack or cause', () => {
    const error = new LeadCallError('INVALID_PHONE', { details: { phone: '12' }, cause: new Error('secret') })
    const body = JSON.parse(JSON.stringify(error))
    expect(body).toEqual({
      error: { code: 'INVALID_PHONE', message: error.message, status: 400, details: { phone: '12' } },
    })
    expect(JSON.stringify(error)).not.toContain('secret')
    expect(JSON.stringify(error)).not.toContain('at ')
  })

  it('is recognised across copies of the package by its marker', () => {
    const foreign = Object.assign(Object.create(Error.prototype), { [Symbol.for('leadcall.error')]: true })
    expect(LeadCallError.isInstance(foreign)).toBe(true)
    expect(LeadCallError.isInstance(new Error('x'))).toBe(false)
    expect(LeadCallError.isInstance(null)).toBe(false)
    expect(LeadCallError.isInstance({ code: 'CALL_FAILED' })).toBe(false)
  })

  it('narrows with isLeadCallError and an optional code', () => {
    const error = new LeadCallError('RATE_LIMITED')
    expect(isLeadCallError(error)).toBe(true)
    expect(isLeadCallError(error, 'RATE_LIMITED')).toBe(true)
    expect(isLeadCallError(error, 'CALL_FAILED')).toBe(false)
    expect(isLeadCallErrorCode('DNC_BLOCKED')).toBe(true)
    expect(isLeadCallErrorCode('toString')).toBe(false)
  })
})
