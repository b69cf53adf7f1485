import { LeadCallError } from '@leadcall/core'
import { expect, it } from 'vitest'
import { consoleLogger } from './console-logger.js'

it('writes one JSON line per entry at its level or more severe, errors with their code', () => {
  const lines: string[] = []
  const logger = consoleLogger('warn', (line) => lines.push(line))
  logger.info('not written')
  logger.debug({ detail: 1 }, 'not written either')
  logger.warn('storage is slow')
  const child = logger.child?.({ tenant: 'acme' })
  child?.error(
    { err: new LeadCallError('CALL_FAILED', { message: 'refused' }), processId: 'p-1' },
    'dial failed',
  )
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  expect(entries).toEqual([
    { level: 'warn', time: expect.any(String), msg: 'storage is slow' },
    {
      level: 'error',
      time: expect.any(String),
      tenant: 'acme',
      processId: 'p-1',
      err: { type: 'LeadCallError', message: 'refused', code: 'CALL_FAILED', stack: expect.any(String) },
      msg: 'dial failed',
    },
  ])
  expect(Number.isNaN(Date.parse(entries[0]?.time as string))).toBe(false)
})

it('writes nothing when silent', () => {
  const lines: string[] = []
  const logger = consoleLogger('silent', (line) => lines.push(line))
  logger.error('nothing')
  expect(lines).toEqual([])
})
