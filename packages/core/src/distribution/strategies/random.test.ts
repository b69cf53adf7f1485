import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.js'
import type { DistributionRequest } from '../strategy.js'
import { random } from './random.js'
import { Simulation } from './strategy-harness.test-util.js'

/** Pearson's chi-square statistic of observed counts against expected ones. */
function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((sum, count, index) => sum + (count - expected[index]!) ** 2 / expected[index]!, 0)
}

const request: DistributionRequest = { processId: 'p', lead: { id: 'l' } }

describe('random', () => {
  it('offers every agent first equally often (chi-square, seeded)', () => {
    const s = new Simulation(random(), { seed: 21 }).add('A', 'B', 'C', 'D', 'E')
    const counts = Simulation.counts(s.run(50_000))
    const observed = ['A', 'B', 'C', 'D', 'E'].map((id) => counts[id] ?? 0)
    // 4 degrees of freedom: 18.47 is the 0.1% critical value.
    expect(chiSquare(observed, [10_000, 10_000, 10_000, 10_000, 10_000])).toBeLessThan(18.47)
  })

  it('when the first fails the filters, the next is uniform among the rest', () => {
    const s = new Simulation(random(), { seed: 22 }).add('A', 'B', 'C', 'D')
    const counts = Simulation.counts(s.run(30_000, { filter: (view) => view.agent.id !== 'A' }))
    expect(counts.A).toBeUndefined()
    expect(chiSquare([counts.B!, counts.C!, counts.D!], [10_000, 10_000, 10_000])).toBeLessThan(13.82)
  })

  it('yields each offerable agent exactly once per iteration, also after joins and leaves', () => {
    const s = new Simulation(random(), { seed: 23 })
    for (let n = 0; n < 50; n++) s.add(`a${n}`)
    for (let step = 0; step < 100; step++) {
      s.setOfferable(`a${Math.floor(s.random() * 50)}`, s.random() < 0.5)
      const order = s.order()
      expect(new Set(order).size).toBe(order.length)
      expect([...order].sort()).toEqual(s.ids.filter((id) => s.isOfferable(id)).sort())
    }
  })

  it('is deterministic for a seed', () => {
    const run = (seed: number) => new Simulation(random(), { seed }).add('A', 'B', 'C', 'D').run(50)
    expect(run(5)).toEqual(run(5))
    expect(run(5)).not.toEqual(run(6))
  })

  it('an iteration that outlives a removal still yields each remaining agent once', () => {
    const s = new Simulation(random(), { seed: 24 })
    for (let n = 0; n < 20; n++) s.add(`a${n}`)
    const index = s.index()
    const seen: string[] = []
    let removed = ''
    for (const view of index.candidates(request, undefined)) {
      seen.push(view.agent.id)
      if (seen.length === 5) {
        removed = s.ids.find((id) => !seen.includes(id))!
        s.setOfferable(removed, false)
      }
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).not.toContain(removed)
    expect(seen.length).toBe(19)
  })

  it('draws uniformly at every position of the order', () => {
    const source = seededRandom(25)
    const index = random().createIndex({ random: source, now: () => 0 })
    const s = new Simulation(random()).add('A', 'B', 'C')
    for (const id of s.ids) index.upsert(s.view(id))
    const second: Record<string, number> = {}
    for (let n = 0; n < 30_000; n++) {
      const [, next] = [...index.candidates(request, undefined)].map((view) => view.agent.id)
      second[next!] = (second[next!] ?? 0) + 1
    }
    expect(chiSquare([second.A!, second.B!, second.C!], [10_000, 10_000, 10_000])).toBeLessThan(13.82)
  })
})
