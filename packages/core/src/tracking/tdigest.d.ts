/**
 * The part of the `tdigest` package (Dunning's t-digest, as prom-client uses it) tracking relies
 * on. The package ships no types.
 *
 * @internal
 * @module
 */
declare module 'tdigest' {
  /** A centroid: the mean of the values it holds and how many. */
  interface Centroid {
    mean: number
    n: number
  }
  /** A t-digest: a fixed-size summary of a distribution for approximate percentiles. */
  class TDigest {
    constructor(delta?: number | false, K?: number, CX?: number)
    /** How many values it summarises. */
    n: number
    /** Adds values (each with weight `n`, default 1). */
    push(x: number | number[], n?: number): void
    /** Adds centroids of another digest. */
    push_centroid(c: Centroid | Centroid[]): void
    /** Re-clusters the centroids. */
    compress(): void
    /** How many centroids it keeps. */
    size(): number
    /** The centroids, ordered by mean. */
    toArray(): Centroid[]
    /** The value at quantile `p` (0–1), `undefined` when empty. */
    percentile(p: number): number | undefined
    percentile(p: number[]): (number | undefined)[]
  }
  const tdigest: { TDigest: typeof TDigest }
  export default tdigest
}
