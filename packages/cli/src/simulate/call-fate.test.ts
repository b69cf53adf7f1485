import { describe, expect, it } from 'vitest'
import { drawCallFate, fateSeed, jitter } from './call-fate.js'

const rates = { ringMs: 3_000, talkMs: 180_000, answerRate: 0.8 }

describe('call fates', () => {
  it('depend on the seed, the lead and the dial only', () => {
    const first = drawCallFate(1, 17, 0, rates)
    expect(drawCallFate(1, 17, 0, rates)).toEqual(first)
    expect(drawCallFate(1, 17, 1, rates)).not.toEqual(first)
    expect(drawCallFate(1, 18, 0, rates)).not.toEqual(first)
    expect(drawCallFate(2, 17, 0, rates)).not.toEqual(first)
    expect(fateSeed(1, 17, 0)).not.toBe(fateSeed(1, 0, 17))
  })

  it('keep ring and talk times within their jitter, and answer at the given rate', () => {
    let answered = 0
    let busy = 0
    const agentDraws: number[] = []
    for (let lead = 0; lead < 5_000; lead++) {
      const fate = drawCallFate(9, lead, 0, rates)
      expect(fate.agentRingMs).toBeGreaterThanOrEqual(2_100)
      expect(fate.agentRingMs).toBeLessThanOrEqual(3_900)
      expect(fate.leadRingMs).toBeGreaterThanOrEqual(2_100)
      expect(fate.leadRingMs).toBeLessThanOrEqual(3_900)
      expect(fate.talkMs).toBeGreaterThanOrEqual(90_000)
      expect(fate.talkMs).toBeLessThanOrEqual(270_000)
      if (fate.leadResponse === 'answer') answered++
      if (fate.leadResponse === 'busy') busy++
      agentDraws.push(fate.agentDraw)
    }
    expect(answered / 5_000).toBeGreaterThan(0.77)
    expect(answered / 5_000).toBeLessThan(0.83)
    // One non-answer in four is a busy line.
    expect(busy / (5_000 - answered)).toBeGreaterThan(0.2)
    expect(busy / (5_000 - answered)).toBeLessThan(0.3)
    const below = agentDraws.filter((d) => d < 0.9).length / agentDraws.length
    expect(below).toBeGreaterThan(0.88)
    expect(below).toBeLessThan(0.92)
  })

  it('jitters around the mean', () => {
    expect(jitter(1_000, 0.3, 0)).toBe(700)
    expect(jitter(1_000, 0.3, 0.5)).toBe(1_000)
    expect(jitter(1_000, 0.3, 0.99999)).toBe(1_300)
    expect(jitter(0, 0.5, 0.7)).toBe(0)
  })
})
