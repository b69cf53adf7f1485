import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../../errors/lead-call-error.js'
import type { AgentView } from '../strategy.js'
import { defineStrategy } from './define-strategy.js'
import { Simulation } from './strategy-harness.test-util.js'

describe('defineStrategy', () => {
  it('ranks the offerable agents with a plain function, in the stable order given', () => {
    const seen: string[][] = []
    const reverse = defineStrategy({
      name: 'reverse',
      rank: (agents) => {
        seen.push(agents.map((view) => view.agent.id))
        return [...agents].reverse()
      },
    })
    const s = new Simulation(reverse).add('A', 'B', 'C')
    s.setOfferable('B', false)
    expect(s.order()).toEqual(['C', 'A'])
    expect(seen).toEqual([['A', 'C']])
    expect(s.decide()).toBe('C')
    expect(s.state).toBeUndefined()
  })

  it('persists what commit returns, and reads it back', () => {
    const leastRecent = defineStrategy({
      name: 'least-recent',
      rank: (agents, _request, state) => {
        const turns = (state as { turns?: Record<string, number> } | undefined)?.turns ?? {}
        return [...agents].sort((a, b) => (turns[a.agent.id] ?? 0) - (turns[b.agent.id] ?? 0))
      },
      commit: (chosen: AgentView, _request, state) => {
        const turns = { ...((state as { turns?: Record<string, number> } | undefined)?.turns ?? {}) }
        turns[chosen.agent.id] = (turns[chosen.agent.id] ?? 0) + 1
        return { state: { turns }, agentData: { mine: true } }
      },
      ownerLookupMs: 1000,
    })
    expect(leastRecent.ownerLookupMs).toBe(1000)
    const s = new Simulation(leastRecent).add('A', 'B')
    expect(s.run(4)).toEqual(['A', 'B', 'A', 'B'])
    expect(s.state).toEqual({ turns: { A: 2, B: 2 } })
    expect(s.view('A').state.strategy['least-recent']).toEqual({ mine: true })
  })

  it('offers only agents that are offerable, each once', () => {
    const held: { gone?: AgentView } = {}
    const s = new Simulation(
      defineStrategy({
        name: 'odd',
        rank: (agents) => [...agents, ...agents, ...(held.gone ? [held.gone] : [])],
      }),
    ).add('A', 'B', { id: 'Gone', offerable: false })
    held.gone = s.view('Gone')
    expect(s.order()).toEqual(['A', 'B'])
  })

  it('requires a name and a rank function', () => {
    expect(() => defineStrategy({ name: '', rank: (agents) => agents })).toThrow(LeadCallError)
    // @ts-expect-error: rank is required
    expect(() => defineStrategy({ name: 'x' })).toThrow(LeadCallError)
  })
})
