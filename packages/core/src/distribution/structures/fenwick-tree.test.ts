import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.js'
import { FenwickOverlay, FenwickTree } from './fenwick-tree.js'

/** The brute-force answer of `search`: the first index whose running sum exceeds the target. */
function bruteSearch(values: readonly number[], target: number): number {
  let sum = 0
  for (let index = 0; index < values.length; index++) {
    sum += values[index]!
    if (sum > target) return index
  }
  return values.length
}

describe('FenwickTree', () => {
  it('matches brute force for prefix sums and searches, with and without an overlay', () => {
    const random = seededRandom(11)
    for (const capacity of [1, 2, 3, 7, 16, 33]) {
      const tree = new FenwickTree(capacity)
      const values = new Array<number>(capacity).fill(0)
      for (let step = 0; step < 300; step++) {
        const index = Math.floor(random() * capacity)
        const value = Math.floor(random() * 5)
        tree.add(index, value - values[index]!)
        values[index] = value
        const count = Math.floor(random() * (capacity + 1))
        expect(tree.prefix(count)).toBe(values.slice(0, count).reduce((a, b) => a + b, 0))
        const total = values.reduce((a, b) => a + b, 0)
        expect(tree.total()).toBe(total)
        const target = Math.floor(random() * (total + 2))
        expect(tree.search(target)).toBe(bruteSearch(values, target))
        // Overlay: zero a few values without touching the tree.
        const overlay = new FenwickOverlay(capacity)
        const changed = [...values]
        for (let n = 0; n < 3; n++) {
          const zeroed = Math.floor(random() * capacity)
          overlay.add(zeroed, -changed[zeroed]!)
          changed[zeroed] = 0
        }
        const rest = changed.reduce((a, b) => a + b, 0)
        expect(total + overlay.total).toBe(rest)
        const overlayTarget = Math.floor(random() * (rest + 1))
        expect(tree.search(overlayTarget, overlay)).toBe(bruteSearch(changed, overlayTarget))
        expect(tree.total()).toBe(total)
      }
    }
  })

  it('rebuilds from values, growing and shrinking', () => {
    const tree = new FenwickTree(2)
    const values = [3, 0, 2, 5, 1]
    tree.rebuild(values, 8)
    expect(tree.capacity).toBe(8)
    expect(tree.total()).toBe(11)
    expect(tree.search(3)).toBe(2)
    tree.rebuild(values, 3)
    expect(tree.total()).toBe(5)
  })
})
