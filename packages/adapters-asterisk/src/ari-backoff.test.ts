import { describe, expect, it } from 'vitest'
import { backoffDelay } from './ari-backoff.js'

const options = { initialDelayMs: 500, maxDelayMs: 30_000 }

describe('backoffDelay', () => {
  it('doubles the ceiling with each attempt up to the maximum', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map((attempt) =>
      backoffDelay(attempt, options, () => 1),
    )
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000])
  })

  it('keeps a random half of the ceiling: never below half of it, never above it', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(2000)
    expect(backoffDelay(3, options, () => 0.5)).toBe(3000)
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(4000)
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(4, options)
      expect(delay).toBeGreaterThanOrEqual(4000)
      expect(delay).toBeLessThanOrEqual(8000)
    }
  })

  it('spreads the delays of processes dropped at once', () => {
    const draws = [0.1, 0.35, 0.6, 0.85]
    const delays = draws.map((draw) => backoffDelay(2, options, () => draw))
    expect(new Set(delays).size).toBe(draws.length)
  })

  it('treats odd attempts and random sources safely', () => {
    expect(backoffDelay(-3, options, () => 1)).toBe(500)
    expect(backoffDelay(Number.NaN, options, () => 1)).toBe(500)
    expect(backoffDelay(Number.POSITIVE_INFINITY, options, () => 1)).toBe(500)
    expect(backoffDelay(2.7, options, () => 1)).toBe(2000)
    expect(backoffDelay(1, options, () => 7)).toBe(1000)
    expect(backoffDelay(1, options, () => -1)).toBe(500)
  })
})
