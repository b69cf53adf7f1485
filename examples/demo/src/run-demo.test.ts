import { percentile, runDemo } from '@leadcall/cli'
import { describe, expect, it } from 'vitest'

describe('demo', () => {
  it('takes every lead to an end: calls completed or failed, bad payloads refused with their code', async () => {
    const summary = await runDemo({
      leads: 24,
      spreadMs: 600,
      talkMs: 150,
      ringMs: 60,
      noAnswerMs: 600,
      seed: 3,
    })
    const p = summary.progress
    expect(p.completed + p.failed + p.rejected).toBe(24)
    expect(summary.refused).toMatchObject({ MISSING_PHONE: 1, INVALID_PHONE: 1 })
    expect(p.completed).toBeGreaterThan(10)
    // Every agent took part, and round robin kept them within one of each other.
    const assigned = summary.agents.map((a) => a.assigned)
    expect(summary.agents).toHaveLength(5)
    expect(Math.min(...assigned)).toBeGreaterThan(0)
    expect(summary.speedToDial.length).toBeGreaterThan(0)
    expect(percentile(summary.speedToDial, 50)).toBeLessThan(5_000)
  }, 30_000)

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeUndefined()
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3)
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9)
  })
})
