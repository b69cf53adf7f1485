import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { csvField, csvHeader } from './export-format.js'

describe('CSV fields', () => {
  it('quotes what needs quoting and doubles quotes (RFC 4180)', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ' padded ', '', 'ünïcode ✓']
    const line = values.map(csvField).join(',')
    expect(parse(`${line}\r\n`)).toEqual([values])
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField(undefined)).toBe('')
    expect(csvField(null)).toBe('')
    expect(csvField(12.5)).toBe('12.5')
    expect(csvField(Number.NaN)).toBe('')
    expect(csvField(false)).toBe('false')
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"')
  })

  it('defuses spreadsheet formulas but leaves numbers and masked phones alone', () => {
    expect(csvField('=1+1')).toBe("'=1+1")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('+cmd|calc')).toBe("'+cmd|calc")
    expect(csvField('-2+3+cmd|x')).toBe("'-2+3+cmd|x")
    expect(csvField('\tx')).toBe("'\tx")
    expect(csvField('+39350****567')).toBe('+39350****567')
    expect(csvField('+1 (415) 555-0101')).toBe('+1 (415) 555-0101')
    expect(csvField('-42')).toBe('-42')
  })

  it('has one header line with every column', () => {
    expect(csvHeader().endsWith('\r\n')).toBe(true)
    expect(parse(csvHeader())[0]).toContain('processId')
  })
})
