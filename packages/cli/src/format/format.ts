/** `1234` → `1.23 s`, `65_000` → `1 min 5 s`; `-` for a missing value. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-'
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const totalSeconds = Math.round(ms / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  if (hours > 0) return `${hours} h ${minutes} min`
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** `0.4567` → `45.7 %`; `-` for a missing value. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '-'
  return `${(ratio * 100).toFixed(1)} %`
}

/** `1536` → `1.5 KiB`, `3_200_000` → `3.1 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}
