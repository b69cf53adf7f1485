import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.js'
import { OrderedSet } from './ordered-set.js'

interface Item {
  key: number
  id: number
}

const compare = (a: Item, b: Item): number => a.key - b.key || a.id - b.id
const sorted = (items: Iterable<Item>): Item[] => [...items].sort(compare)

describe('OrderedSet', () => {
  it('matches a sorted array under random inserts, deletes and replaces', () => {
    for (const chunkSize of [1, 2, 4, 64]) {
      const random = seededRandom(chunkSize)
      const set = new OrderedSet<Item>(compare, chunkSize)
      const held = new Map<number, Item>()
      for (let step = 0; step < 3000; step++) {
        const id = Math.floor(random() * 200)
        const current = held.get(id)
        const roll = random()
        if (current === undefined) {
          const item = { key: Math.floor(random() * 50), id }
          set.insert(item)
          held.set(id, item)
        } else if (roll < 0.4) {
          expect(set.delete(current)).toBe(true)
          held.delete(id)
        } else if (roll < 0.6) {
          const same = { ...current }
          expect(set.replace(current, same)).toBe(true)
          held.set(id, same)
        } else {
          set.delete(current)
          const moved = { key: Math.floor(random() * 50), id }
          set.insert(moved)
          held.set(id, moved)
        }
        if (step % 97 === 0) {
          const expected = sorted(held.values())
          expect([...set]).toEqual(expected)
          expect(set.size).toBe(expected.length)
          expect(set.first()).toBe(expected[0])
          expect(set.last()).toBe(expected[expected.length - 1])
        }
      }
    }
  })

  it('does not delete or replace an equal but different object', () => {
    const set = new OrderedSet<Item>(compare)
    const item = { key: 1, id: 1 }
    set.insert(item)
    expect(set.delete({ key: 1, id: 1 })).toBe(false)
    expect(set.replace({ key: 1, id: 1 }, { key: 1, id: 1 })).toBe(false)
    expect(set.replace(item, { key: 2, id: 1 })).toBe(false)
    expect(set.size).toBe(1)
  })

  it('iterates from a monotone predicate', () => {
    const set = new OrderedSet<Item>(compare, 2)
    for (let id = 0; id < 20; id++) set.insert({ key: id * 2, id })
    expect([...set.values((item) => item.key > 7)].map((item) => item.key)).toEqual([
      8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38,
    ])
    expect([...set.values((item) => item.key >= 100)]).toEqual([])
  })

  it('iterators survive changes: continue after the last element yielded, never repeating one', () => {
    const random = seededRandom(7)
    for (let round = 0; round < 200; round++) {
      const set = new OrderedSet<Item>(compare, 2)
      const held = new Map<number, Item>()
      for (let id = 0; id < 30; id++) {
        const item = { key: Math.floor(random() * 20), id }
        held.set(id, item)
        set.insert(item)
      }
      const seen: Item[] = []
      for (const item of set.values()) {
        seen.push(item)
        // Change the set under the iterator: drop some, add some.
        for (let n = 0; n < 3; n++) {
          const id = Math.floor(random() * 40)
          const current = held.get(id)
          if (current !== undefined && random() < 0.5) {
            set.delete(current)
            held.delete(id)
          } else if (current === undefined) {
            const added = { key: Math.floor(random() * 20), id }
            set.insert(added)
            held.set(id, added)
          }
        }
      }
      // Strictly increasing: nothing repeated, nothing out of order.
      for (let n = 1; n < seen.length; n++) expect(compare(seen[n - 1]!, seen[n]!)).toBeLessThan(0)
      // Everything still held and after the last one seen was visited.
      const last = seen[seen.length - 1]!
      for (const item of held.values()) if (compare(item, last) > 0) expect(seen).toContain(item)
    }
  })
})
