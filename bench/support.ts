/**
 * What the benchmarks share: the output format of DESIGN.md (one `{"name","value","unit"}` JSON
 * object per line with `--json`, with `"baseline"` and `"ratio"` when a baseline was measured in the
 * same run), percentiles, distinct phone numbers, and the zero-latency app they drive.
 */
import {
  createLeadCall,
  type LeadCallApp,
  memoryStorage,
  seededRandom,
  simulatedTelephony,
} from '@leadcall/core'

/** One figure of a benchmark. */
export interface BenchRecord {
  name: string
  value: number
  unit: string
  baseline?: number
  ratio?: number
}

/** Whether `--json` was given. */
export const json = process.argv.includes('--json')

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

/** Prints a figure: a JSON line with `--json`, an aligned line for people otherwise. */
export function report(record: BenchRecord): void {
  if (json) {
    console.log(JSON.stringify(record))
    return
  }
  const extra =
    record.baseline === undefined
      ? ''
      : `  (baseline ${fmt(record.baseline)}, ratio ${record.ratio === undefined ? '-' : record.ratio < 0.01 ? record.ratio.toExponential(2) : record.ratio.toFixed(2)})`
  console.log(`${record.name.padEnd(52)} ${fmt(record.value).padStart(12)} ${record.unit}${extra}`)
}

/** The p-th percentile (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  )
}

const AREA_CODES = [212, 213, 305, 312, 404, 415, 617, 646, 702, 718]

/** A distinct, valid US number for index `i` (up to 80 million of them). */
export function phone(i: number): string {
  const area = AREA_CODES[i % AREA_CODES.length]
  const rest = Math.floor(i / AREA_CODES.length)
  const exchange = 200 + (rest % 800)
  const line = Math.floor(rest / 800) % 10_000
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`
}

/**
 * An app on memory storage with a zero-latency simulated provider whose calls are answered and end
 * at once, calling hours off, and `agents` available agents.
 */
export async function zeroLatencyApp(agents: number): Promise<LeadCallApp> {
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({
      seed: 1,
      latencyMs: 0,
      ringMs: 1,
      talkMs: 1,
      agentAnswerRate: 1,
      answerRate: 1,
    }),
    distribution: { random: seededRandom(1) },
    compliance: { callingHours: false },
    pipeline: { presencePollMs: 0 },
  })
  for (let i = 0; i < agents; i++) {
    await app.agents.upsert({
      id: `agent-${String(i).padStart(4, '0')}`,
      name: `Agent ${i}`,
      status: 'available',
    })
  }
  return app
}
