import { runDemo } from './run-demo.js'

const { rows, perAgent } = await runDemo()

console.log('leadcall demo — sample leads over sample agents (memory storage, round robin)\n')
console.table(
  rows.map((r) => ({
    lead: r.lead,
    phone: r.phone,
    source: r.source,
    priority: r.priority,
    result: r.agent ?? r.error,
  })),
)
console.log('\nLeads per available agent:')
for (const [agent, count] of perAgent) console.log(`  ${agent.padEnd(16)} ${'█'.repeat(count)} ${count}`)
