import { percentile, runDemo } from './run-demo.js'

const interactive = process.stdout.isTTY
console.log('leadcall demo — 60 leads over ~20 s, 5 agents, memory storage, simulated telephony\n')

const summary = await runDemo({
  onProgress: (p) => {
    const line = `received ${p.received}/${p.total}  queued ${p.queued}  dialing ${p.dialing}  completed ${p.completed}  failed ${p.failed}  refused ${p.rejected}`
    if (interactive) process.stdout.write(`\r${line}   `)
  },
})
const p = summary.progress
if (interactive) process.stdout.write('\n')
else
  console.log(
    `received ${p.received}/${p.total}, completed ${p.completed}, failed ${p.failed}, refused ${p.rejected}`,
  )

console.log('\nPer agent:')
console.table(
  summary.agents.map((a) => ({
    agent: a.agent,
    assigned: a.assigned,
    answered: a.answered,
    'talk (s)': a.talkSec,
  })),
)

const ms = (v: number | undefined) => (v === undefined ? '-' : `${(v / 1000).toFixed(2)} s`)
console.log('\nSpeed to lead:')
console.table({
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
  console.log(`\nRefused at intake: ${refused.map(([code, n]) => `${n} × ${code}`).join(', ')}`)
