import { describe, expect, it } from 'vitest'
import { coefficientOfVariation, percentile } from './percentile.js'

describe('percentile', () => {
  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeUndefined()
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3)
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5)
    expect(percentile([5, 1, 3, 2, 4], 0)).toBe(1)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10)
  })

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2]
    percentile(values, 50)
    expect(values).toEqual([3, 1, 2])
  })
})

describe('coefficientOfVariation', () => {
  it('is the population standard deviation over the mean', () => {
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2 / 5, 10)
    expect(coefficientOfVariation([3, 3, 3])).toBe(0)
  })

  it('is null without values or with a zero mean', () => {
    expect(coefficientOfVariation([])).toBeNull()
    expect(coefficientOfVariation([0, 0])).toBeNull()
  })
})
