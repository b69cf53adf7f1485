import type { ValidationIssue } from '@leadcall/core/provider'
import { describe, expect, it } from 'vitest'
import {
  boolean,
  checkFields,
  func,
  httpUrl,
  matching,
  numberIn,
  oneOf,
  optional,
  text,
} from './twilio-checks.js'

describe('checks', () => {
  it.each([
    ['text', text(3), ['a', 'abc'], ['', 'abcd', 1, null]],
    ['text of at least 0', text(2, 0), ['', 'ab'], ['abc', undefined]],
    [
      'http(s) URL',
      httpUrl,
      ['https://x.example/a?b=c', 'http://127.0.0.1:8080'],
      ['ftp://x', '/relative', 'x', 42],
    ],
    ['one of', oneOf('a', true), ['a', true], ['b', false, 'A']],
    [
      'integer 5..600',
      numberIn({ integer: true, min: 5, max: 600 }),
      [5, 600],
      [4, 601, 5.5, Number.NaN, '10'],
    ],
    ['above 0', numberIn({ above: 0, max: 1000 }), [0.5, 1000], [0, -1, Number.POSITIVE_INFINITY]],
    ['matching', matching(/^ab+$/, 'Expected ab…'), ['ab', 'abbb'], ['a', 'xab', 7]],
    ['boolean', boolean, [true, false], ['true', 0]],
    ['function', func, [() => 1, fetch], ['fetch', {}]],
  ] as const)('%s accepts what it allows and names what it refuses', (_name, check, good, bad) => {
    for (const value of good) expect(check(value), String(value)).toBeUndefined()
    for (const value of bad) expect(check(value), String(value)).toMatch(/^Expected/)
  })
})

describe('checkFields', () => {
  const fields = { name: text(10), port: optional(numberIn({ integer: true, min: 1, max: 65_535 })) }

  it('lists every problem at once, with its path', () => {
    const issues: ValidationIssue[] = []
    checkFields({ port: 0 }, fields, issues, { at: 'server' })
    expect(issues).toEqual([
      { path: 'server.name', message: 'Required' },
      { path: 'server.port', message: 'Expected at least 1' },
    ])
  })

  it('leaves out optional fields and, unless strict, unknown keys', () => {
    const issues: ValidationIssue[] = []
    checkFields({ name: 'ok', extra: 1 }, fields, issues)
    expect(issues).toEqual([])
    checkFields({ name: 'ok', extra: 1 }, fields, issues, { strict: true })
    expect(issues).toEqual([{ path: 'extra', message: 'Unrecognized key' }])
  })

  it.each([null, 'x', [1], undefined])('refuses %j as the object', (value) => {
    const issues: ValidationIssue[] = []
    checkFields(value, fields, issues)
    expect(issues).toEqual([{ path: '', message: 'Expected an object' }])
  })
})
