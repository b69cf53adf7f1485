import { describe, expect, it } from 'vitest'
import { isLeadCallError } from '../errors/lead-call-error.js'
import { type ImportMapping, resolveColumns, rowToLeadInput } from './column-mapping.js'
import { LineCounter } from './line-counter.js'

function fieldsOf(header: string[], mapping?: ImportMapping) {
  return Object.fromEntries(resolveColumns(header, mapping).fields)
}

function errorOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

describe('resolveColumns', () => {
  it('recognises the usual headers, whatever their case, spacing and punctuation', () => {
    expect(
      fieldsOf([
        'Full Name',
        'First_Name',
        'LAST-NAME',
        'Phone Number',
        'E-mail',
        'Company Name',
        'Priority',
        'Tags',
        'Lead Source',
        'ID',
        'Country',
        'Time Zone',
      ]),
    ).toEqual({
      name: [0],
      firstName: [1],
      lastName: [2],
      phone: [3],
      email: [4],
      company: [5],
      priority: [6],
      tags: [7],
      source: [8],
      externalId: [9],
      country: [10],
      timezone: [11],
    })
    expect(fieldsOf(['\uFEFFname', ' mobile '])).toEqual({ name: [0], phone: [1] })
    expect(fieldsOf(['First', 'Last', 'Cell'])).toEqual({ firstName: [0], lastName: [1], phone: [2] })
  })

  it('uses every matching column in order of preference: phone before mobile', () => {
    expect(fieldsOf(['Mobile', 'Phone', 'Telephone']).phone).toEqual([1, 0, 2])
    expect(fieldsOf(['External ID', 'Id', 'Phone']).externalId).toEqual([0, 1])
  })

  it('takes explicit mappings case-insensitively, before the defaults', () => {
    const header = ['Nome', 'Cognome', 'Numero', 'Phone', 'Mail']
    const fields = fieldsOf(header, { firstName: 'nome', lastName: 'COGNOME', phone: ' Numero ' })
    expect(fields).toEqual({ firstName: [0], lastName: [1], phone: [2], email: [4] })
    expect(fieldsOf(header, { phone: ['Numero', 'phone'] }).phone).toEqual([2, 3])
  })

  it('turns a field off with false, and leaves an undefined field to the defaults', () => {
    expect(fieldsOf(['id', 'phone'], { externalId: false })).toEqual({ phone: [1] })
    expect(fieldsOf(['id', 'phone'], { externalId: undefined })).toEqual({ phone: [1], externalId: [0] })
  })

  it('does not let a default claim a column the mapping gave to another field', () => {
    expect(fieldsOf(['Name', 'Phone', 'Mobile'], { name: 'Mobile', phone: 'Phone' })).toEqual({
      name: [2],
      phone: [1],
    })
  })

  it('refuses unknown fields, absent columns and a header without phone, all at once', () => {
    const error = errorOf(() =>
      resolveColumns(['Name', 'Email'], { nickname: 'Name', email: 'Mail' } as ImportMapping),
    )
    expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    const message = (error as Error).message
    expect(message).toContain('"nickname" is not a lead field')
    expect(message).toContain('column "Mail" (mapped to email) is not in the header')
    expect(message).toContain('no phone column')
    expect(message).toContain('"Name", "Email"')
  })
})

describe('rowToLeadInput', () => {
  const columns = resolveColumns(['Name', 'Phone', 'Mobile', 'Notes', '', 'Tags'])

  it('takes the first non-blank value of each field, trimmed, and leaves blank fields out', () => {
    expect(
      rowToLeadInput([' Ann ', '', '+1 212 200 0001', 'call after 5', 'x', 'a, b'], columns, false),
    ).toEqual({ name: 'Ann', phone: '+1 212 200 0001', tags: 'a, b' })
    expect(rowToLeadInput(['Ann', '+1 212 200 0002', '+1 212 200 0001'], columns, false)).toEqual({
      name: 'Ann',
      phone: '+1 212 200 0002',
    })
    expect(rowToLeadInput(['  ', ''], columns, false)).toEqual({})
  })

  it('keeps the unmapped, named columns as custom attributes when asked', () => {
    expect(rowToLeadInput(['Ann', '1', '', 'call after 5', 'x'], columns, true)).toEqual({
      name: 'Ann',
      phone: '1',
      custom: { Notes: 'call after 5' },
    })
  })
})

describe('LineCounter', () => {
  it('gives the line a record starts on, correcting for CR LF inside quotes', () => {
    const lines = new LineCounter()
    // csv-parse's counts for: header (1), "a\r\nb" (2-3, counted as ending on 4), c (4, counted 5).
    expect(lines.record(['h'], 1, 0)).toBe(1)
    expect(lines.record(['a\r\nb'], 4, 0)).toBe(2)
    expect(lines.record(['c'], 5, 0)).toBe(4)
    // An empty line skipped (5), then a record csv-parse skipped for an error.
    expect(lines.skipped(7, 1)).toBe(6)
  })
})
