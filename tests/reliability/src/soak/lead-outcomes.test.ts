import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { LeadOutcomes } from './lead-outcomes.js'

describe('LeadOutcomes', () => {
  it('counts each process once, whichever of its answer and its end comes first', () => {
    const table = new LeadOutcomes(100)
    const ids = Array.from({ length: 100 }, () => randomUUID())
    ids.forEach((id, i) => {
      if (i % 3 === 0) table.addEnded(id, 'completed') // the end event before the HTTP answer
      table.addSubmitted(id)
      table.addSubmitted(id) // a repeated answer (a lead joining an open process) counts once
      if (i % 3 === 1) table.addEnded(id, 'failed')
    })
    expect(table.submitted).toBe(100)
    expect(table.ends()).toEqual({ completed: 34, failed: 33, open: 33 })
    expect(new Set(table.open())).toEqual(new Set(ids.filter((_, i) => i % 3 === 2)))
  })

  it('refuses more processes than it has room for, and what is not a UUID', () => {
    const table = new LeadOutcomes(8)
    for (let i = 0; i < 8; i++) table.addSubmitted(randomUUID())
    expect(() => table.addSubmitted(randomUUID())).toThrow(/full/)
    expect(() => table.addSubmitted('not-a-uuid')).toThrow(/Not a UUID/)
  })
})
