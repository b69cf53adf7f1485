import { describe, expect, it } from 'vitest'
import { runDemo } from './run-demo.js'
import { demoAgents, sampleAgents } from './sample-data.js'

const fast = { spreadMs: 600, talkMs: 150, ringMs: 60, noAnswerMs: 600 }

describe('runDemo', () => {
  it('takes every lead to an end: calls completed or failed, bad payloads refused with their code', async () => {
    const summary = await runDemo({ leads: 24, seed: 3, ...fast })
    const p = summary.progress
    expect(p.completed + p.failed + p.rejected).toBe(24)
    expect(summary.refused).toMatchObject({ MISSING_PHONE: 1, INVALID_PHONE: 1 })
    expect(p.completed).toBeGreaterThan(10)
    expect(summary.agents.map((a) => a.agent).sort()).toEqual(sampleAgents.map((a) => a.name).sort())
    expect(Math.min(...summary.agents.map((a) => a.assigned))).toBeGreaterThan(0)
    expect(summary.speedToDial.length).toBeGreaterThan(0)
  }, 30_000)

  it('runs with as many agents as asked: the sample ones first, then generated ones', async () => {
    const summary = await runDemo({ leads: 14, agents: 7, seed: 5, ...fast })
    expect(summary.agents.map((a) => a.agent).sort()).toEqual(
      [...sampleAgents.map((a) => a.name), 'Agent 6', 'Agent 7'].sort(),
    )
    expect(summary.agents.reduce((sum, a) => sum + a.assigned, 0)).toBeGreaterThanOrEqual(12)
    const two = await runDemo({ leads: 6, agents: 2, seed: 5, ...fast })
    expect(two.agents.map((a) => a.agent).sort()).toEqual(['Alice Martin', 'Bruno Rossi'])
  }, 30_000)
})

describe('demoAgents', () => {
  it('takes the sample agents first, then numbered ones', () => {
    expect(demoAgents().map((a) => a.id)).toEqual(sampleAgents.map((a) => a.id))
    expect(demoAgents(1).map((a) => a.id)).toEqual(['alice'])
    expect(demoAgents(6).at(-1)).toEqual({ id: 'agent-6', name: 'Agent 6', status: 'available' })
  })
})
