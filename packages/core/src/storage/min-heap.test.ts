import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MinHeap } from './min-heap.js'

describe('MinHeap', () => {
  it('pops entries in time order, also after compaction', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 500 }), (times) => {
        const heap = new MinHeap<{ time: number }>()
        for (const time of times) heap.push({ time })
        heap.compact((entry) => entry.time % 3 !== 0)
        const popped: number[] = []
        for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) popped.push(entry.time)
        expect(popped).toEqual(times.filter((time) => time % 3 !== 0).sort((a, b) => a - b))
        expect(heap.size).toBe(0)
        expect(heap.peek()).toBeUndefined()
      }),
    )
  })
})
