import type { RandomSource } from './strategy.js'

/** MurmurHash3's 32-bit finalizer: spreads the bits of a seed word. */
function mix32(value: number): number {
  let z = value >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A small, fast, seeded pseudo-random source (the sfc32 generator, 128 bits of state, its words
 * derived from the seed): the same seed gives the same sequence in every process and platform. Use
 * it in tests and reproducible simulations; it is not meant for anything security-related.
 *
 * @param seed any number; only its low 32 bits are used.
 * @returns a {@link RandomSource} returning floats in [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(42)
 * random() // the same value on every run
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  const base = seed >>> 0
  let a = mix32(base)
  let b = mix32(base + 0x9e3779b9)
  let c = mix32(base + 0x3c6ef372)
  let d = 1
  const next = (): number => {
    const sum = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    const t = (sum + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // Let the state mix before the first output, as sfc32's author recommends.
  for (let round = 0; round < 12; round++) next()
  return next
}
