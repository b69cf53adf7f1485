import { describe, expect, it } from 'vitest'
import { seededRandom } from './random.js'
import { randomIndex } from './strategies/shared.js'

describe('seededRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const c = seededRandom(43)
    const first = Array.from({ length: 5 }, () => a())
    expect(Array.from({ length: 5 }, () => b())).toEqual(first)
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first)
  })

  it('returns floats in [0, 1), spread evenly', () => {
    const random = seededRandom(1)
    const buckets = new Array<number>(10).fill(0)
    let low = 1
    let high = 0
    for (let n = 0; n < 100_000; n++) {
      const value = random()
      low = Math.min(low, value)
      high = Math.max(high, value)
      buckets[Math.floor(value * 10)]!++
    }
    expect(low).toBeGreaterThanOrEqual(0)
    expect(high).toBeLessThan(1)
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1% critical value.
    const chi = buckets.reduce((sum, count) => sum + (count - 10_000) ** 2 / 10_000, 0)
    expect(chi).toBeLessThan(27.9)
  })

  it('randomIndex stays in range even for a source returning 1', () => {
    expect(randomIndex(() => 1, 5)).toBe(4)
    expect(randomIndex(() => 0, 5)).toBe(0)
  })
})
