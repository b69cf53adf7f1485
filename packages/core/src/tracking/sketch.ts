/**
 * Percentile sketches: Dunning's t-digest from the `tdigest` package (the one prom-client uses).
 *
 * A digest with compression δ = 0.01 keeps a few hundred centroids whatever the number of values
 * (at most 2,500 before it re-clusters), and its quantile error is smallest at the tails, where
 * p95/p99 live. Digests merge by adding centroids: writes merge a process's buffered digest into
 * the stored one with the library; reads of a period take the union of its days' centroids and
 * apply t-digest's own quantile interpolation to it ({@link mergedPercentiles}), with typed arrays
 * and no tree, so a month merges in a few milliseconds without garbage.
 *
 * Stored form: `{ n, c: [mean₀, count₀, mean₁, count₁, …] }`, about 3 KB.
 *
 * @internal
 * @module
 */
/// <reference path="./tdigest.d.ts" />
import tdigest from 'tdigest'
import type { DurationPercentiles } from './tracking-api.js'

/** A digest as a document holds it. @internal */
export interface StoredSketch {
  /** Values summarised. */
  n: number
  /** Centroids, flattened: mean, count, mean, count, … */
  c: number[]
}

/** A t-digest. @internal */
export type Digest = InstanceType<typeof tdigest.TDigest>

const DELTA = 0.01
const K = 25

/** An empty digest. @internal */
export function newDigest(): Digest {
  return new tdigest.TDigest(DELTA, K)
}

/** Adds a stored digest's centroids to `digest`. @internal */
export function addStored(digest: Digest, stored: StoredSketch | null | undefined): void {
  if (!stored || !Array.isArray(stored.c)) return
  const c = stored.c
  const centroids: { mean: number; n: number }[] = []
  for (let i = 0; i + 1 < c.length; i += 2) {
    const mean = c[i]!
    const n = c[i + 1]!
    if (Number.isFinite(mean) && Number.isFinite(n) && n > 0) centroids.push({ mean, n })
  }
  // Shuffled in: t-digest clusters worst on sorted input.
  shuffle(centroids)
  digest.push_centroid(centroids)
}

/** Adds another digest's centroids to `digest`. @internal */
export function addDigest(digest: Digest, other: Digest): void {
  const centroids = other.toArray()
  shuffle(centroids)
  digest.push_centroid(centroids)
}

/** The stored form of `digest` (re-clustered first, so it stays small). @internal */
export function toStored(digest: Digest): StoredSketch {
  if (digest.size() > 0) digest.compress()
  const c: number[] = []
  let n = 0
  for (const centroid of digest.toArray()) {
    c.push(Math.round(centroid.mean * 1000) / 1000, centroid.n)
    n += centroid.n
  }
  return { n, c }
}

/** p50/p95/p99 of `digest` (ms, rounded), with the exact `count` kept by the counters. @internal */
export function percentilesOf(digest: Digest, count: number): DurationPercentiles {
  if (digest.size() === 0) return { p50: null, p95: null, p99: null, count }
  const [p50, p95, p99] = digest.percentile([0.5, 0.95, 0.99])
  return { p50: round(p50), p95: round(p95), p99: round(p99), count }
}

/**
 * p50/p95/p99 of the union of stored digests (ms, rounded), with the exact `count`.
 *
 * The centroids of every digest are merged by mean, then the quantile is read off a piecewise
 * linear curve of (cumulative count, value), as t-digest does: a centroid counts as a point at the
 * middle of its share of the ranks. A centroid heavier than t-digest's size bound
 * (4·N·δ·q·(1−q)) can only hold repeats of one value (the library merges exact matches without
 * limit), so it counts as a flat step over its whole share instead: a distribution where most
 * values are equal (say 0 ms) then reads exactly. @internal
 */
export function mergedPercentiles(
  stored: readonly (StoredSketch | null)[],
  count: number,
): DurationPercentiles {
  let merged: Centroids | undefined
  for (const sketch of stored) {
    const list = centroidsOf(sketch)
    if (list.length === 0) continue
    merged = merged ? mergeSorted(merged, list) : list
  }
  if (!merged || merged.length === 0) return { p50: null, p95: null, p99: null, count }
  const { means, counts, length } = merged
  let total = 0
  for (let i = 0; i < length; i++) total += counts[i]!
  // The curve: one anchor per centroid, two (start and end of its ranks) for a point mass.
  const ranks = new Float64Array(2 * length)
  const values = new Float64Array(2 * length)
  let anchors = 0
  let before = 0
  for (let i = 0; i < length; i++) {
    const n = counts[i]!
    const q = (before + n / 2) / total
    if (n > Math.max(1, 4 * total * DELTA * q * (1 - q))) {
      ranks[anchors] = before
      values[anchors++] = means[i]!
      ranks[anchors] = before + n
      values[anchors++] = means[i]!
    } else {
      ranks[anchors] = before + n / 2
      values[anchors++] = means[i]!
    }
    before += n
  }
  const at = (p: number): number | null => {
    const h = total * p
    // First anchor past h.
    let low = 0
    let high = anchors
    while (low < high) {
      const m = (low + high) >> 1
      if (ranks[m]! > h) high = m
      else low = m + 1
    }
    if (low === 0) return round(values[0])
    if (low >= anchors) return round(values[anchors - 1])
    const r0 = ranks[low - 1]!
    const r1 = ranks[low]!
    const v0 = values[low - 1]!
    const v1 = values[low]!
    return round(r1 === r0 ? v0 : v0 + ((h - r0) * (v1 - v0)) / (r1 - r0))
  }
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count }
}

/** Centroids in mean order, as parallel arrays. */
interface Centroids {
  means: Float64Array
  counts: Float64Array
  length: number
}

function centroidsOf(sketch: StoredSketch | null | undefined): Centroids {
  const c = sketch && Array.isArray(sketch.c) ? sketch.c : []
  const means = new Float64Array(c.length >> 1)
  const counts = new Float64Array(c.length >> 1)
  let length = 0
  let sorted = true
  for (let i = 0; i + 1 < c.length; i += 2) {
    const mean = c[i]!
    const n = c[i + 1]!
    if (!Number.isFinite(mean) || !Number.isFinite(n) || n <= 0) continue
    if (length > 0 && mean < means[length - 1]!) sorted = false
    means[length] = mean
    counts[length] = n
    length++
  }
  if (sorted) return { means, counts, length }
  const order = Array.from({ length }, (_, i) => i).sort((a, b) => means[a]! - means[b]!)
  return {
    means: Float64Array.from(order, (i) => means[i]!),
    counts: Float64Array.from(order, (i) => counts[i]!),
    length,
  }
}

function mergeSorted(a: Centroids, b: Centroids): Centroids {
  const length = a.length + b.length
  const means = new Float64Array(length)
  const counts = new Float64Array(length)
  let i = 0
  let j = 0
  for (let k = 0; k < length; k++) {
    if (j >= b.length || (i < a.length && a.means[i]! <= b.means[j]!)) {
      means[k] = a.means[i]!
      counts[k] = a.counts[i++]!
    } else {
      means[k] = b.means[j]!
      counts[k] = b.counts[j++]!
    }
  }
  return { means, counts, length }
}

function round(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : Math.round(value)
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
}
