import { Console } from 'node:console'
import { type CliIo, writeJson } from '../io.js'
import { percentile } from '../stats/percentile.js'
import { type DemoOptions, type DemoSummary, runDemo } from './run-demo.js'
import { sampleAgents } from './sample-data.js'

/** Options of {@link demoCommand}: the demo's, and the output's. */
export interface DemoCommandOptions extends DemoOptions {
  /** Print the summary as JSON, and nothing else, on stdout; no progress line. */
  json?: boolean
}

/** The p50, p90 and p99 of a list of durations (ms), `null` when empty. */
export interface DemoPercentiles {
  /** The median. */
  p50: number | null
  /** The 90th percentile. */
  p90: number | null
  /** The 99th percentile. */
  p99: number | null
}

/** What `leadcall demo --json` prints: the demo's summary and its speed-to-lead percentiles. */
export interface DemoReport extends DemoSummary {
  /** Percentiles of {@link DemoSummary.speedToDial} and {@link DemoSummary.speedToAnswer}. */
  percentiles: { speedToDial: DemoPercentiles; speedToAnswer: DemoPercentiles }
}

function percentilesOf(values: readonly number[]): DemoPercentiles {
  return {
    p50: percentile(values, 50) ?? null,
    p90: percentile(values, 90) ?? null,
    p99: percentile(values, 99) ?? null,
  }
}

/** The demo's summary with its percentiles, see {@link DemoReport}. */
export function demoReport(summary: DemoSummary): DemoReport {
  return {
    ...summary,
    percentiles: {
      speedToDial: percentilesOf(summary.speedToDial),
      speedToAnswer: percentilesOf(summary.speedToAnswer),
    },
  }
}

/**
 * `leadcall demo`: runs {@link runDemo} and prints, as the demo always has, a live progress line
 * (on a terminal), a table per agent (assigned, answered, talk time) and the speed-to-lead
 * percentiles — or with `json` the {@link DemoReport} only.
 */
export async function demoCommand(options: DemoCommandOptions, io: CliIo): Promise<void> {
  const leads = options.leads ?? 60
  const agents = options.agents ?? sampleAgents.length
  const spreadMs = options.spreadMs ?? 20_000
  if (options.json) {
    writeJson(io.stdout, demoReport(await runDemo(options)))
    return
  }
  const out = new Console({ stdout: io.stdout, stderr: io.stderr })
  const interactive = io.stdout.isTTY === true
  out.log(
    `leadcall demo — ${leads} leads over ~${Math.round(spreadMs / 1000)} s, ${agents} agents, memory storage, simulated telephony\n`,
  )

  const summary = await runDemo({
    ...options,
    onProgress: (p) => {
      const line = `received ${p.received}/${p.total}  queued ${p.queued}  dialing ${p.dialing}  completed ${p.completed}  failed ${p.failed}  refused ${p.rejected}`
      if (interactive) io.stdout.write(`\r${line}   `)
      options.onProgress?.(p)
    },
  })
  const p = summary.progress
  if (interactive) io.stdout.write('\n')
  else
    out.log(
      `received ${p.received}/${p.total}, completed ${p.completed}, failed ${p.failed}, refused ${p.rejected}`,
    )

  out.log('\nPer agent:')
  out.table(
    summary.agents.map((a) => ({
      agent: a.agent,
      assigned: a.assigned,
      answered: a.answered,
      'talk (s)': a.talkSec,
    })),
  )

  const ms = (v: number | undefined) => (v === undefined ? '-' : `${(v / 1000).toFixed(2)} s`)
  out.log('\nSpeed to lead:')
  out.table({
    'received → dial started': {
      p50: ms(percentile(summary.speedToDial, 50)),
      p90: ms(percentile(summary.speedToDial, 90)),
      p99: ms(percentile(summary.speedToDial, 99)),
    },
    'received → answered': {
      p50: ms(percentile(summary.speedToAnswer, 50)),
      p90: ms(percentile(summary.speedToAnswer, 90)),
      p99: ms(percentile(summary.speedToAnswer, 99)),
    },
  })
  const refused = Object.entries(summary.refused)
  if (refused.length > 0)
    out.log(`\nRefused at intake: ${refused.map(([code, n]) => `${n} × ${code}`).join(', ')}`)
}
