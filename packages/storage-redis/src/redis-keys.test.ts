import { describe, expect, it } from 'vitest'
import { encodeNamespace, type KeyLayout, keyLayout } from './redis-keys.js'
import { keySlot } from './redis-slot.test-util.js'

/** Every key the layout can produce for a namespace. */
function allKeys(layout: KeyLayout, ns: string): string[] {
  const queue = layout.queue(ns, 'leads:{x}')
  return [
    layout.seq(ns),
    layout.index(ns),
    layout.expiries(ns),
    layout.doc(ns, 'agent:{1}'),
    layout.doc(ns, '}'),
    layout.stream(ns, 'activity'),
    queue.items,
    queue.order,
    queue.ready,
    queue.delayed,
    queue.leases,
    queue.seq,
  ]
}

const awkward = ['t-1', 'acme', 'a:b', '}x', '{', '{}', 'a}b{c', '%7B', '%', 'ü名', ' ', '{tenant}']

describe('key layout', () => {
  it('computes Redis Cluster slots like Redis does (CRC16/XMODEM mod 16384, hash tags)', () => {
    expect(keySlot('123456789')).toBe(12739)
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'))
    // An empty tag does not count: the whole key is hashed.
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'))
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('x{{bar}'))
  })

  it('puts every key of a namespace in one slot, whatever the namespace holds', () => {
    for (const prefix of ['leadcall', 'app:prod', 'x']) {
      const layout = keyLayout(prefix)
      for (const ns of awkward) {
        const keys = allKeys(layout, ns)
        const slots = new Set(keys.map(keySlot))
        expect(slots.size, `${prefix} / ${ns}`).toBe(1)
        for (const key of keys) {
          expect(key.startsWith(`${prefix}:{${encodeNamespace(ns)}}:`)).toBe(true)
          // The hash tag is exactly the encoded namespace: never empty, never cut short.
          const open = key.indexOf('{')
          expect(key.slice(open + 1, key.indexOf('}', open + 1))).toBe(encodeNamespace(ns))
        }
      }
    }
  })

  it('spreads namespaces over slots instead of piling them up in one', () => {
    const layout = keyLayout('leadcall')
    const slots = new Set(Array.from({ length: 200 }, (_, i) => keySlot(layout.seq(`tenant-${i}`))))
    expect(slots.size).toBeGreaterThan(150)
  })

  it('encodes namespaces injectively, so two namespaces never share keys', () => {
    const encoded = awkward.map(encodeNamespace)
    expect(new Set(encoded).size).toBe(awkward.length)
    expect(encodeNamespace('{')).not.toBe(encodeNamespace('%7B'))
    for (const text of encoded) expect(text).not.toMatch(/[{}]/)
  })

  it('gives documents, queues and streams of the same name different keys', () => {
    const layout = keyLayout('leadcall')
    const queue = layout.queue('ns', 'x')
    const keys = [
      layout.doc('ns', 'x'),
      layout.stream('ns', 'x'),
      queue.items,
      queue.order,
      queue.ready,
      queue.delayed,
      queue.leases,
      layout.seq('ns'),
      layout.index('ns'),
      layout.expiries('ns'),
      layout.doc('ns', 'm:seq'),
    ]
    expect(new Set(keys).size).toBe(keys.length)
    expect(layout.doc('ns', 'agent:7')).toBe('leadcall:{ns}:d:agent:7')
    expect(queue.items).toBe('leadcall:{ns}:qi:x')
    expect(layout.stream('ns', 'activity')).toBe('leadcall:{ns}:s:activity')
  })

  it('rejects a prefix that is empty or holds braces', () => {
    for (const prefix of ['', 'a{b', 'a}b', '{x}'])
      expect(() => keyLayout(prefix), prefix).toThrow(/prefix must be a non-empty string/)
  })
})
