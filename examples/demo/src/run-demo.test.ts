import { describe, expect, it } from 'vitest'
import { runDemo } from './run-demo.js'

describe('demo', () => {
  it('spreads the valid sample leads evenly over the available agents and reports bad ones by code', async () => {
    const { rows, perAgent } = await runDemo()
    expect(rows).toHaveLength(10)
    const errors = rows.filter((r) => r.error).map((r) => r.error)
    expect(errors).toContain('MISSING_PHONE')
    expect(errors).toContain('INVALID_PHONE')
    // Dana is on a break: only the four available agents get leads, at most one apart.
    expect([...perAgent.keys()].sort()).toEqual(['Alice Martin', 'Bruno Rossi', 'Carmen López', 'Emeka Obi'])
    const counts = [...perAgent.values()]
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
    // Phones are shown masked.
    for (const row of rows.filter((r) => r.agent)) expect(row.phone).toMatch(/^\+\d+\*+\d+$/)
  })
})
