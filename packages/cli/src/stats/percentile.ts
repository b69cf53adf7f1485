/** The p-th percentile (0–100) of `values`, nearest rank; `undefined` when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/**
 * The coefficient of variation of `values`: population standard deviation over the mean (0 when all
 * are equal); `null` when empty or when the mean is 0.
 */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length
  if (mean === 0) return null
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length
  return Math.sqrt(variance) / mean
}
