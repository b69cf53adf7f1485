import { formatDuration, formatPercent } from '../format/format.js'
import { renderTable } from '../format/table.js'
import { type CliIo, writeJson, writeLine } from '../io.js'
import { runSimulation, type SimulationOptions, type SimulationReport } from './run-simulation.js'

/** Options of {@link simulateCommand}: the simulation's, and the output's. */
export interface SimulateCommandOptions extends Omit<SimulationOptions, 'onResult'> {
  /** Print the {@link SimulationReport} as JSON, and nothing else, on stdout. */
  json?: boolean
}

/** The comparison table and its legend, as `leadcall simulate` prints them. */
export function formatSimulationReport(report: SimulationReport): string {
  const s = report.settings
  const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`
  const header = `leadcall simulate — ${s.leads} leads (one every ${seconds(s.meanGapMs)} on average), ${s.agents} agents, seed ${s.seed}; mean talk ${seconds(s.talkMs)}, leads answer ${formatPercent(s.answerRate)} of calls`
  const table = renderTable(
    [
      { title: 'strategy' },
      { title: 'assigned max/min', align: 'right' },
      { title: 'CV', align: 'right' },
      { title: 'speed p50', align: 'right' },
      { title: 'speed p95', align: 'right' },
      { title: 'answered', align: 'right' },
      { title: 'waited', align: 'right' },
      { title: 'wait p50', align: 'right' },
      { title: 'wait p95', align: 'right' },
      { title: 'dials', align: 'right' },
      { title: 'simulated', align: 'right' },
      { title: 'ran in', align: 'right' },
    ],
    report.results.map((r) => [
      r.strategy,
      `${r.balance.maxAssigned} / ${r.balance.minAssigned}`,
      r.balance.coefficientOfVariation === null ? '-' : r.balance.coefficientOfVariation.toFixed(3),
      formatDuration(r.speedToLead.p50),
      formatDuration(r.speedToLead.p95),
      formatPercent(r.answerRate),
      String(r.queueWait.count),
      formatDuration(r.queueWait.p50),
      formatDuration(r.queueWait.p95),
      String(r.dials),
      formatDuration(r.simulatedMs),
      formatDuration(r.wallMs),
    ]),
  )
  const legend = [
    'assigned max/min, CV: leads the engine assigned per agent, and their coefficient of variation',
    'speed: received → first dial started; answered: leads that talked to an agent',
    'waited: leads that waited for a free agent before their first dial; wait: how long they waited',
    'simulated: virtual time of the run; ran in: real time it took',
  ]
  return [header, '', table, '', ...legend].join('\n')
}

/**
 * `leadcall simulate`: runs {@link runSimulation} and prints the comparison of the strategies —
 * as a table, or with `json` the {@link SimulationReport}. Without `json`, a line per strategy run
 * goes to stderr as each starts.
 */
export async function simulateCommand(options: SimulateCommandOptions, io: CliIo): Promise<void> {
  const strategies = options.strategies ?? ['round-robin']
  let done = 0
  const announce = (index: number) => {
    const next = strategies[index]
    if (!options.json && next !== undefined)
      writeLine(io.stderr, `simulating ${next} (${index + 1}/${strategies.length}) …`)
  }
  announce(0)
  const report = await runSimulation({
    ...options,
    onResult: () => announce(++done),
  })
  if (options.json) writeJson(io.stdout, report)
  else writeLine(io.stdout, formatSimulationReport(report))
}
