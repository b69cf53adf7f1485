import { describe, expect, it } from 'vitest'
import type { AgentView } from '../strategy.js'
import { type AgentSpec, Simulation } from './strategy-harness.test-util.js'
import { weightedRoundRobin } from './weighted-round-robin.js'

const abc = (tieB: number, tieC: number): AgentSpec[] => [
  { id: 'A', weight: 5, tieBreak: 0.5 },
  { id: 'C', weight: 1, tieBreak: tieC }, // registered before B
  { id: 'B', weight: 1, tieBreak: tieB },
]

/** The longest run of one id in a sequence. */
function longestRun(ids: readonly string[], id: string): number {
  let best = 0
  let run = 0
  for (const each of ids) {
    run = each === id ? run + 1 : 0
    best = Math.max(best, run)
  }
  return best
}

/**
 * A brute-force smooth weighted round robin (nginx): every member gains its weight, the highest
 * current (ties: lowest tie-break) that passes the filter wins and pays the total. An agent away
 * keeps its offset from what its weight class gains (classes gain only while they have members),
 * and on rejoining starts at min(that current, 0).
 */
class Reference {
  readonly current = new Map<string, number>()
  private readonly members = new Set<string>()
  /** Weight → what a member of that weight gained so far. */
  private readonly acc = new Map<number, number>()
  /** Absent agent → its current minus its class's gain, when it left. */
  private readonly offset = new Map<string, number>()

  constructor(
    private readonly weights: Map<string, number>,
    private readonly ties: Map<string, number>,
  ) {}

  join(id: string): void {
    const gained = this.acc.get(this.weights.get(id)!) ?? 0
    this.current.set(id, Math.min(gained + (this.offset.get(id) ?? -gained), 0))
    this.members.add(id)
  }

  leave(id: string): void {
    this.members.delete(id)
    this.offset.set(id, this.current.get(id)! - (this.acc.get(this.weights.get(id)!) ?? 0))
  }

  decide(pass: (id: string) => boolean): string | undefined {
    const order = [...this.members].sort(
      (a, b) =>
        this.current.get(b)! + this.weights.get(b)! - (this.current.get(a)! + this.weights.get(a)!) ||
        this.ties.get(a)! - this.ties.get(b)!,
    )
    const chosen = order.find(pass)
    // Nobody took the lead: the engine persists nothing, so nobody gains either.
    if (chosen === undefined) return undefined
    let total = 0
    const classes = new Set<number>()
    for (const id of this.members) {
      const weight = this.weights.get(id)!
      total += weight
      classes.add(weight)
      this.current.set(id, this.current.get(id)! + weight)
    }
    for (const weight of classes) this.acc.set(weight, (this.acc.get(weight) ?? 0) + weight)
    this.current.set(chosen, this.current.get(chosen)! - total)
    return chosen
  }
}

describe('weightedRoundRobin', () => {
  it('5:1:1 interleaves as A A B A C A A, the B/C tie broken by tie-break, not registration', () => {
    const s = new Simulation(weightedRoundRobin()).add(...abc(0.1, 0.9))
    expect(s.run(7)).toEqual(['A', 'A', 'B', 'A', 'C', 'A', 'A'])
    const t = new Simulation(weightedRoundRobin()).add(...abc(0.9, 0.1))
    expect(t.run(7)).toEqual(['A', 'A', 'C', 'A', 'B', 'A', 'A'])
  })

  it('7,000 decisions at 5:1:1 give exactly 5,000 / 1,000 / 1,000, never five A in a row', () => {
    const s = new Simulation(weightedRoundRobin()).add(...abc(0.1, 0.9))
    const out = s.run(7000)
    expect(Simulation.counts(out)).toEqual({ A: 5000, B: 1000, C: 1000 })
    expect(longestRun(out, 'A')).toBeLessThan(5)
  })

  it('keeps exact proportions for other weights, fractional ones included', () => {
    const s = new Simulation(weightedRoundRobin()).add(
      { id: 'x', weight: 3 },
      { id: 'y', weight: 2 },
      { id: 'z', weight: 1 },
    )
    expect(Simulation.counts(s.run(600))).toEqual({ x: 300, y: 200, z: 100 })
    const f = new Simulation(weightedRoundRobin()).add({ id: 'p', weight: 0.5 }, { id: 'q', weight: 1.5 })
    const counts = Simulation.counts(f.run(4000))
    expect(Math.abs(counts.p! - 1000)).toBeLessThanOrEqual(1)
    expect(Math.abs(counts.q! - 3000)).toBeLessThanOrEqual(1)
  })

  it('persists one accumulator per weight and a base per agent, as JSON', () => {
    const s = new Simulation(weightedRoundRobin()).add(...abc(0.1, 0.9))
    s.run(7)
    const state = s.state as { epoch: string; acc: Record<string, number> }
    expect(state.acc).toEqual({ '5': 35, '1': 7 })
    expect(typeof state.epoch).toBe('string')
    // After a full cycle every current weight is back to 0: acc + base = 0.
    for (const id of ['A', 'B', 'C']) {
      const data = s.view(id).state.strategy['weighted-round-robin'] as { base: number; weight: number }
      expect(state.acc[String(data.weight)]! + data.base).toBe(0)
    }
  })

  it('does not flood an agent back from a break with the leads it missed', () => {
    const s = new Simulation(weightedRoundRobin()).add('A', 'B', 'C')
    s.run(3)
    s.setOfferable('C', false)
    expect(Simulation.counts(s.run(300))).toEqual({ A: 150, B: 150 })
    s.setOfferable('C', true)
    const after = s.run(30)
    expect(Simulation.counts(after)).toEqual({ A: 10, B: 10, C: 10 })
    expect(longestRun(after, 'C')).toBe(1)
  })

  it('a brand-new agent starts at 0 like the others, not with a backlog', () => {
    const s = new Simulation(weightedRoundRobin()).add({ id: 'A', weight: 2 }, { id: 'B', weight: 1 })
    s.run(300)
    s.add({ id: 'N', weight: 2 })
    const counts = Simulation.counts(s.run(50))
    expect(counts.N).toBeGreaterThanOrEqual(19)
    expect(counts.N).toBeLessThanOrEqual(21)
  })

  it('matches a brute-force nginx balancer through joins, leaves and filtered candidates', () => {
    for (const seed of [1, 2, 3]) {
      const s = new Simulation(weightedRoundRobin(), { seed })
      const weights = new Map<string, number>()
      const ties = new Map<string, number>()
      for (let n = 0; n < 12; n++) {
        const id = `a${n}`
        const weight = [1, 2, 5][n % 3]!
        s.add({ id, weight, offerable: false })
        weights.set(id, weight)
        ties.set(id, s.view(id).tieBreak)
      }
      const reference = new Reference(weights, ties)
      for (let step = 0; step < 2000; step++) {
        if (s.random() < 0.2) {
          const id = `a${Math.floor(s.random() * 12)}`
          if (s.isOfferable(id)) {
            s.setOfferable(id, false)
            reference.leave(id)
          } else {
            s.setOfferable(id, true)
            reference.join(id)
          }
        }
        const blocked = s.random() < 0.3 ? `a${Math.floor(s.random() * 12)}` : ''
        const filter = (view: AgentView) => view.agent.id !== blocked
        expect(s.decide(s.request(), { filter })).toBe(reference.decide((id) => id !== blocked))
      }
    }
  })

  it('a restart keeps the proportions (owed credit above 0 is dropped, nothing else)', () => {
    const s = new Simulation(weightedRoundRobin()).add(...abc(0.1, 0.9))
    s.run(8)
    s.restart()
    const counts = Simulation.counts(s.run(7000))
    expect(Math.abs(counts.A! - 5000)).toBeLessThanOrEqual(2)
    expect(Math.abs(counts.B! - 1000)).toBeLessThanOrEqual(1)
    expect(Math.abs(counts.C! - 1000)).toBeLessThanOrEqual(1)
  })

  it('a restart at the end of a cycle continues the exact sequence', () => {
    const s = new Simulation(weightedRoundRobin()).add(...abc(0.1, 0.9))
    s.run(7)
    s.restart()
    expect(s.run(7)).toEqual(['A', 'A', 'B', 'A', 'C', 'A', 'A'])
  })

  it('two processes sharing the state keep the proportions', () => {
    const s = new Simulation(weightedRoundRobin(), { processes: 2 }).add(...abc(0.1, 0.9))
    const out = Array.from({ length: 7000 }, (_, n) => s.decide(s.request(), { process: n % 2 }) ?? '-')
    const counts = Simulation.counts(out)
    expect(Math.abs(counts.A! - 5000)).toBeLessThanOrEqual(1)
    expect(Math.abs(counts.B! - 1000)).toBeLessThanOrEqual(1)
    expect(longestRun(out, 'A')).toBeLessThan(5)
  })

  it('an agent whose weight changes moves to its new class', () => {
    const s = new Simulation(weightedRoundRobin()).add({ id: 'A', weight: 1 }, { id: 'B', weight: 1 })
    s.run(10)
    s.update('A', (view) => ({ ...view, agent: { ...view.agent, weight: 3 } }))
    expect(Simulation.counts(s.run(400))).toEqual({ A: 300, B: 100 })
  })

  it('a reset state (no epoch) makes every agent start again at 0', () => {
    const s = new Simulation(weightedRoundRobin()).add({ id: 'A', weight: 2 }, { id: 'B', weight: 1 })
    s.run(301)
    s.stateJson = undefined
    s.restart()
    expect(s.run(3).sort()).toEqual(['A', 'A', 'B'])
  })
})
