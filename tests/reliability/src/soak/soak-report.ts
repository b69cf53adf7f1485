/** The soak's figures as text, and the targets each run must meet. */
import type { SoakFigures } from './run-soak.js'

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const pct = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`

/**
 * How much the p99 may rise in absolute terms before its ratio counts: tens of ms of p99 are a GC
 * pause or a neighbour's burst on a shared machine, not a slowdown (a run ignoring the ratio would
 * still fail past it).
 */
export const P99_JITTER_MS = 50

/** A target a run missed, and what the run measured against it. */
export interface MissedTarget {
  target: 'rate' | 'heap' | 'latency' | 'leads' | 'http'
  message: string
}

/** Every target a run missed (empty when it passed). */
export function missedTargets(f: SoakFigures): MissedTarget[] {
  const missed: MissedTarget[] = []
  const lost = f.processes - f.accounted
  if (f.achievedRate < f.rate * 0.95)
    missed.push({
      target: 'rate',
      message: `rate: ${f.achievedRate.toFixed(1)} leads/s sustained, below 95 % of ${f.rate}`,
    })
  if (!(f.heap.growthPct < 10))
    missed.push({ target: 'heap', message: `heap: grew ${pct(f.heap.growthPct)} after warm-up (limit 10 %)` })
  if (!(f.p99.drift <= 1.5) && !(f.p99.lastMs - f.p99.firstMs <= P99_JITTER_MS))
    missed.push({
      target: 'latency',
      message:
        `latency: p99 drifted ×${f.p99.drift.toFixed(2)} and +${(f.p99.lastMs - f.p99.firstMs).toFixed(1)} ms ` +
        `(limit ×1.5, or at most +${P99_JITTER_MS} ms)`,
    })
  if (lost > 0)
    missed.push({
      target: 'leads',
      message:
        `leads: ${lost} not accounted for (${f.lostSamples.join('; ')})` +
        (f.lostDetail ? `\n      first of them: ${f.lostDetail}` : ''),
    })
  if (f.httpErrors > 0)
    missed.push({ target: 'http', message: `http: ${f.httpErrors} failed requests (first: ${f.firstError})` })
  return missed
}

export function formatFigures(f: SoakFigures): string {
  const statuses = Object.entries(f.statuses)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ')
  const lines = [
    `soak ${f.storage}: ${f.durationSec} s at ${f.rate} leads/s offered`,
    `  rate       ${f.achievedRate.toFixed(1)} leads/s achieved, ${f.submitted} leads, ${f.httpErrors} failed requests`,
    `  heap       warm-up ${mb(f.heap.warmUpBytes)}, end ${mb(f.heap.endBytes)}, growth ${pct(f.heap.growthPct)}`,
    `  store      ${f.storeDocuments.warmUp} documents at warm-up, ${f.storeDocuments.end} at the end ` +
      `(closed processes, records and idempotency keys kept ${f.retentionMs / 1000} s)`,
  ]
  lines.push(
    `  p99        first ${f.p99.windowSec} s ${f.p99.firstMs.toFixed(1)} ms, last ${f.p99.windowSec} s ${f.p99.lastMs.toFixed(1)} ms, drift ×${f.p99.drift.toFixed(2)}`,
    `             by tenth of the run: ${f.p99.tenths.map((ms) => ms.toFixed(0)).join(' ')} ms`,
    `             time in GC: first window ${f.gcMs.first.toFixed(0)} ms, last window ${f.gcMs.last.toFixed(0)} ms`,
    `  leads      ${f.submitted} leads in ${f.processes} processes, accounted ${f.accounted} (${statuses}), lost ${f.processes - f.accounted}, drained in ${(f.drainMs / 1000).toFixed(1)} s`,
  )
  const p = f.provider
  lines.push(
    `  provider   ${p.dials} dials, ${p.completed} completed, ${p.leadNoAnswer} lead no-answer, ` +
      `${p.canceled} canceled, ${p.sinkErrors} events refused by the app`,
  )
  const missed = missedTargets(f)
  lines.push(
    missed.length === 0
      ? '  verdict    PASS'
      : `  verdict    FAIL\n${missed.map((m) => `    - ${m.message}`).join('\n')}`,
  )
  return lines.join('\n')
}
