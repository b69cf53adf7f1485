import { describe, expect, it } from 'vitest'
import type { DistributionRequest } from '../strategy.js'
import { Simulation } from './strategy-harness.test-util.js'
import { weightedRandom } from './weighted-random.js'

function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((sum, count, index) => sum + (count - expected[index]!) ** 2 / expected[index]!, 0)
}

const request: DistributionRequest = { processId: 'p', lead: { id: 'l' } }

describe('weightedRandom', () => {
  it('offers agents first in proportion to their weights (chi-square, seeded)', () => {
    const s = new Simulation(weightedRandom(), { seed: 31 }).add(
      { id: 'A', weight: 1 },
      { id: 'B', weight: 2 },
      { id: 'C', weight: 3 },
      { id: 'D', weight: 4 },
    )
    const counts = Simulation.counts(s.run(50_000))
    const observed = ['A', 'B', 'C', 'D'].map((id) => counts[id] ?? 0)
    // 3 degrees of freedom: 16.27 is the 0.1% critical value.
    expect(chiSquare(observed, [5_000, 10_000, 15_000, 20_000])).toBeLessThan(16.27)
  })

  it('samples without replacement: the second draw is weighted among the rest', () => {
    const s = new Simulation(weightedRandom(), { seed: 32 }).add(
      { id: 'A', weight: 10 },
      { id: 'B', weight: 1 },
      { id: 'C', weight: 3 },
    )
    const counts = Simulation.counts(s.run(20_000, { filter: (view) => view.agent.id !== 'A' }))
    expect(chiSquare([counts.B!, counts.C!], [5_000, 15_000])).toBeLessThan(10.83)
  })

  it('yields each offerable agent exactly once per iteration, through joins, leaves and weight changes', () => {
    const s = new Simulation(weightedRandom(), { seed: 33 })
    for (let n = 0; n < 60; n++) s.add({ id: `a${n}`, weight: 1 + (n % 7) })
    for (let step = 0; step < 150; step++) {
      const id = `a${Math.floor(s.random() * 60)}`
      const roll = s.random()
      if (roll < 0.4) s.setOfferable(id, !s.isOfferable(id))
      else
        s.update(id, (view) => ({ ...view, agent: { ...view.agent, weight: 0.5 + Math.floor(roll * 10) } }))
      const order = s.order()
      expect(new Set(order).size).toBe(order.length)
      expect([...order].sort()).toEqual(s.ids.filter((agent) => s.isOfferable(agent)).sort())
    }
  })

  it('keeps the proportions after many joins and leaves (the tree stays exact)', () => {
    const s = new Simulation(weightedRandom(), { seed: 34 })
    for (let n = 0; n < 200; n++) s.add({ id: `x${n}`, weight: 0.1 + (n % 3) })
    for (let n = 0; n < 5000; n++) {
      const id = `x${Math.floor(s.random() * 200)}`
      s.setOfferable(id, !s.isOfferable(id))
    }
    for (let n = 0; n < 200; n++) s.setOfferable(`x${n}`, false)
    s.add({ id: 'A', weight: 1 }, { id: 'B', weight: 3 })
    const counts = Simulation.counts(s.run(20_000))
    expect(chiSquare([counts.A!, counts.B!], [5_000, 15_000])).toBeLessThan(10.83)
  })

  it('is deterministic for a seed', () => {
    const run = (seed: number) =>
      new Simulation(weightedRandom(), { seed })
        .add({ id: 'A', weight: 1 }, { id: 'B', weight: 2 }, { id: 'C', weight: 5 })
        .run(50)
    expect(run(7)).toEqual(run(7))
    expect(run(7)).not.toEqual(run(8))
  })

  it('an iteration that outlives a change still yields each remaining agent once', () => {
    const s = new Simulation(weightedRandom(), { seed: 35 })
    for (let n = 0; n < 20; n++) s.add({ id: `a${n}`, weight: 1 + n })
    const seen: string[] = []
    let removed = ''
    for (const view of s.index().candidates(request, undefined)) {
      seen.push(view.agent.id)
      if (seen.length === 3) {
        removed = s.ids.find((id) => !seen.includes(id))!
        s.setOfferable(removed, false)
        s.add({ id: 'late', weight: 2 })
      }
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).not.toContain(removed)
    expect(seen).toContain('late')
    expect(seen.length).toBe(20)
  })
})
