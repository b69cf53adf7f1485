import { describe, expect, it } from 'vitest'
import { seededRandom } from '../distribution/random.js'
import { addStored, mergedPercentiles, newDigest, type StoredSketch, toStored } from './sketch.js'
import { expectPercentiles } from './tracking.test-util.js'

const random = seededRandom(5)
const DISTRIBUTIONS: [string, () => number][] = [
  ['uniform', () => random() * 10_000],
  ['exponential', () => -Math.log(1 - random()) * 2_000],
  ['log-normal', () => Math.exp(6 + 1.5 * gaussian())],
  ['mostly zero, long tail', () => (random() < 0.96 ? 0 : 1_000 + random() * 200_000)],
  ['two humps', () => (random() < 0.7 ? 300 + random() * 100 : 30_000 + random() * 5_000)],
  ['few distinct values', () => [150, 300, 1_200, 45_000][Math.floor(random() * 4)]!],
]

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

describe('percentile sketches (t-digest)', () => {
  for (const [name, draw] of DISTRIBUTIONS) {
    it(`merges daily digests of a ${name} distribution within 1% of rank`, () => {
      const all: number[] = []
      const days: StoredSketch[] = []
      for (let d = 0; d < 31; d++) {
        const digest = newDigest()
        const n = 200 + Math.floor(random() * 3_000)
        for (let i = 0; i < n; i++) {
          const value = Math.round(draw())
          all.push(value)
          digest.push(value)
        }
        // Stored, then read back and stored again (as a flush merges into the day's document).
        const again = newDigest()
        addStored(again, JSON.parse(JSON.stringify(toStored(digest))) as StoredSketch)
        days.push(toStored(again))
      }
      expectPercentiles(mergedPercentiles(days, all.length), all, 0.01)
    })
  }

  it('stays small whatever it holds, and answers null when empty', () => {
    const digest = newDigest()
    for (let i = 0; i < 200_000; i++) digest.push(random() * 1e6)
    const stored = toStored(digest)
    expect(stored.n).toBe(200_000)
    expect(stored.c.length / 2).toBeLessThan(1_000)
    expect(JSON.stringify(stored).length).toBeLessThan(16_000)
    expect(mergedPercentiles([null, { n: 0, c: [] }], 0)).toEqual({
      p50: null,
      p95: null,
      p99: null,
      count: 0,
    })
    expect(mergedPercentiles([{ n: 1, c: [42, 1] }], 1)).toEqual({ p50: 42, p95: 42, p99: 42, count: 1 })
  })
})
