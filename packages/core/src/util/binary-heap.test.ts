import { describe, expect, it } from 'vitest'
import { seededRandom } from '../distribution/random.js'
import { BinaryHeap } from './binary-heap.js'

describe('BinaryHeap', () => {
  it('pops in comparator order, with heapify, push and replaceTop', () => {
    const random = seededRandom(3)
    for (let round = 0; round < 50; round++) {
      const initial = Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 100))
      const heap = new BinaryHeap<number>((a, b) => a - b, [...initial])
      const model = [...initial]
      for (let step = 0; step < 60; step++) {
        const value = Math.floor(random() * 100)
        if (random() < 0.5) {
          heap.push(value)
          model.push(value)
        } else if (heap.size > 0) {
          model.sort((a, b) => a - b)
          expect(heap.peek()).toBe(model[0])
          heap.replaceTop(value)
          model[0] = value
        }
      }
      const popped: number[] = []
      for (let value = heap.pop(); value !== undefined; value = heap.pop()) popped.push(value)
      expect(popped).toEqual(model.sort((a, b) => a - b))
    }
  })
})
