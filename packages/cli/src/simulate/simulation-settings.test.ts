import { describe, expect, it } from 'vitest'
import { simulationSettings } from './simulation-settings.js'

describe('simulationSettings', () => {
  it('applies the defaults', () => {
    expect(simulationSettings()).toEqual({
      agents: 10,
      leads: 500,
      strategies: ['round-robin'],
      seed: 1,
      meanGapMs: 20_000,
      talkMs: 180_000,
      ringMs: 3_000,
      answerRate: 0.8,
      pickUpRate: { min: 0.85, max: 0.99 },
    })
  })

  it('drops repeated strategies and refuses unknown ones and bad numbers', () => {
    expect(simulationSettings({ strategies: ['random', 'tiers', 'random'] }).strategies).toEqual([
      'random',
      'tiers',
    ])
    expect(() => simulationSettings({ strategies: ['nope'] })).toThrow(/Unknown strategy "nope"/)
    expect(() => simulationSettings({ strategies: [] })).toThrow(/No strategy/)
    expect(() => simulationSettings({ leads: 0 })).toThrow(/leads/)
    expect(() => simulationSettings({ answerRate: 2 })).toThrow(/answer rate/)
    expect(() => simulationSettings({ pickUpRate: { min: 0.9, max: 0.5 } })).toThrow(/pick-up/)
  })
})
