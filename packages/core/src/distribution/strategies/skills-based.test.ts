import { describe, expect, it } from 'vitest'
import type { SkillRequirements } from '../strategy.js'
import { roundRobin } from './round-robin.js'
import { skillsBased } from './skills-based.js'
import { type AgentSpec, Simulation } from './strategy-harness.test-util.js'

const agents = (): AgentSpec[] => [
  { id: 'NoSpanish', skills: { sales: 9 }, state: { idleSince: 1 } },
  { id: 'Weak', skills: { spanish: 2, sales: 5 }, state: { idleSince: 2 } },
  { id: 'Good', skills: { spanish: 3, sales: 1 }, state: { idleSince: 3 } },
  { id: 'Great', skills: { spanish: 5, sales: 1 }, state: { idleSince: 4 } },
  { id: 'Fluent', skills: { spanish: 5 }, state: { idleSince: 5 } },
]

describe('skillsBased', () => {
  it('required skills filter: each at the minimum level or above', () => {
    const s = new Simulation(skillsBased({ required: { spanish: 3 } })).add(...agents())
    // No preferred skills: the `then` order (longest idle) of those who qualify.
    expect(s.order()).toEqual(['Good', 'Great', 'Fluent'])
  })

  it('required skills may depend on the lead, and merge with the request', () => {
    const s = new Simulation(
      skillsBased({
        required: (lead): SkillRequirements => (lead.attributes?.language === 'es' ? { spanish: 3 } : {}),
      }),
    ).add(...agents())
    expect(s.order(s.request({ lead: { id: 'x', attributes: { language: 'en' } } }))).toHaveLength(5)
    expect(s.order(s.request({ lead: { id: 'x', attributes: { language: 'es' } } }))).toEqual([
      'Good',
      'Great',
      'Fluent',
    ])
    expect(
      s.order(s.request({ lead: { id: 'x', attributes: { language: 'es' } }, requiredSkills: { sales: 1 } })),
    ).toEqual(['Good', 'Great'])
    expect(s.order(s.request({ requiredSkills: { spanish: 5 } }))).toEqual(['Great', 'Fluent'])
  })

  it('preferred skills rank by Σ weight × level, higher first; equal scores by `then`', () => {
    const s = new Simulation(skillsBased({ preferred: { spanish: 2, sales: 1 } })).add(...agents())
    // Scores: NoSpanish 9, Weak 9, Good 7, Great 11, Fluent 10; NoSpanish and Weak tie → longest idle.
    expect(s.order()).toEqual(['Great', 'Fluent', 'NoSpanish', 'Weak', 'Good'])
    const byLead = new Simulation(
      skillsBased({
        preferred: (lead): Record<string, number> =>
          lead.priority === 'urgent' ? { sales: 1 } : { spanish: 1 },
      }),
    ).add(...agents())
    expect(byLead.order(byLead.request({ lead: { id: 'x', priority: 'urgent' } }))[0]).toBe('NoSpanish')
    expect(byLead.order(byLead.request({ lead: { id: 'x' } })).slice(0, 2)).toEqual(['Great', 'Fluent'])
  })

  it('rotates equal scores with a stateful `then`, its state nested', () => {
    // biome-ignore lint/suspicious/noThenProperty: `then` is the option's name; a strategy is not a function, so not thenable.
    const s = new Simulation(skillsBased({ required: { spanish: 5 }, then: roundRobin() })).add(...agents())
    expect(s.run(4)).toEqual(['Great', 'Fluent', 'Great', 'Fluent'])
    expect(s.state).toEqual({ thenState: { last: s.view('Fluent').orderKey } })
  })

  it('offers nobody when nobody has the skills', () => {
    const s = new Simulation(skillsBased({ required: { klingon: 1 } })).add(...agents())
    expect(s.run(1)).toEqual(['-'])
  })
})
