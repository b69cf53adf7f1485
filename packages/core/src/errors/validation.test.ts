import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { validationError } from './validation.js'

describe('validationError', () => {
  it('lists the issues of a zod error with their dotted paths', () => {
    const parsed = z
      .object({ agent: z.object({ id: z.string() }), phone: z.string() })
      .safeParse({ agent: {} })
    if (parsed.success) throw new Error('expected a failure')
    const error = validationError('dial request', parsed.error)
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^Invalid dial request: agent\.id: .+; phone: .+$/)
    expect(error.details).toEqual({
      issues: [
        { path: 'agent.id', message: expect.any(String) },
        { path: 'phone', message: expect.any(String) },
      ],
    })
  })

  it('takes a list of issues from checks written without zod, the root one without a path', () => {
    const issues = [
      { path: '', message: 'Expected an object' },
      { path: 'from', message: 'Required' },
    ]
    const error = validationError('Twilio options', issues)
    expect(error.message).toBe('Invalid Twilio options: Expected an object; from: Required')
    expect(error.details).toEqual({ issues })
    expect((error.details as { issues: unknown }).issues).not.toBe(issues)
  })
})
