import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedList } from './sorted-list.js'

interface Box {
  key: number
  seq: number
}

const byKey = (a: Box, b: Box) => a.key - b.key || a.seq - b.seq

describe('SortedList', () => {
  it('matches a sorted array under random inserts, deletes and shifts', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('insert' as const), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('shift' as const) }),
    )
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 600, size: 'max' }),
        fc.integer({ min: 1, max: 8 }),
        (operations, chunkSize) => {
          const list = new SortedList<Box>(byKey, chunkSize)
          let model: Box[] = []
          let seq = 0
          for (const step of operations) {
            if (step.op === 'insert') {
              const box = { key: step.key, seq: seq++ }
              list.insert(box)
              model.push(box)
              model.sort(byKey)
            } else if (step.op === 'delete') {
              const box = model[step.pick % Math.max(1, model.length)]
              expect(list.delete(box ?? { key: -1, seq: -1 })).toBe(box !== undefined)
              model = model.filter((other) => other !== box)
            } else {
              expect(list.shift()).toBe(model.shift())
            }
          }
          expect([...list]).toEqual(model)
          expect(list.size).toBe(model.length)
          expect(list.first()).toBe(model[0])
          expect(list.slice(7, 11)).toEqual(model.slice(7, 18))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('does not delete an equal-looking element that is not in the list', () => {
    const list = new SortedList<Box>(byKey)
    list.insert({ key: 1, seq: 1 })
    expect(list.delete({ key: 1, seq: 1 })).toBe(false)
    expect(list.size).toBe(1)
  })
})
