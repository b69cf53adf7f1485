import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatPercent } from './format.js'
import { renderTable } from './table.js'

describe('formatDuration', () => {
  it('writes seconds below a minute, then minutes, then hours', () => {
    expect(formatDuration(0)).toBe('0.00 s')
    expect(formatDuration(1_234)).toBe('1.23 s')
    expect(formatDuration(60_000)).toBe('1 min')
    expect(formatDuration(65_400)).toBe('1 min 5 s')
    expect(formatDuration(3 * 3_600_000 + 2 * 60_000 + 30_000)).toBe('3 h 2 min')
    expect(formatDuration(null)).toBe('-')
    expect(formatDuration(undefined)).toBe('-')
  })
})

describe('formatPercent and formatBytes', () => {
  it('write ratios as percents and sizes in binary units', () => {
    expect(formatPercent(0.4567)).toBe('45.7 %')
    expect(formatPercent(null)).toBe('-')
    expect(formatBytes(183)).toBe('183 B')
    expect(formatBytes(1_536)).toBe('1.5 KiB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB')
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.00 GiB')
  })
})

describe('renderTable', () => {
  it('pads each column to its widest cell, right-aligning figures, without trailing blanks', () => {
    const table = renderTable(
      [{ title: 'agent' }, { title: 'calls', align: 'right' }, { title: 'note' }],
      [
        ['Ada', '7', ''],
        ['Benedict', '120', 'busy'],
      ],
      2,
    )
    expect(table.split('\n')).toEqual([
      '  agent     calls  note',
      '  --------  -----  ----',
      '  Ada           7',
      '  Benedict    120  busy',
    ])
  })
})
