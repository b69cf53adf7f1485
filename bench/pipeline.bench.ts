/**
 * The lead pipeline, end to end.
 *
 * 1. Throughput: `submitLead` on memory storage with a zero-latency simulated provider, 1,000
 *    agents, 100,000 leads (50 in flight): leads per second and submitLead latency p50/p99.
 * 2. Critical path: contact sync and dial configured, the simulated provider answering every
 *    request after 100 ms (one round trip). The time from `submitLead` until the provider has
 *    answered the dial request, p50, divided by the round trip (`rtt`), beside a sequential
 *    baseline measured in the same run: fetch agent statuses, create the contact, then dial.
 *
 * 3. Backlog: the same 1,000 agents all on calls that last an hour, then 5,000 leads submitted
 *    (50 in flight), every one of them queued: what a burst costs when nobody is free (the
 *    decision that finds nobody, the enqueue, the lead's queue position, its record), in leads/s
 *    and submitLead latency p99.
 *
 * `pnpm bench pipeline [--json] [--leads N]`
 */
import { createLeadCall, memoryStorage, seededRandom, simulatedTelephony } from '@leadcall/core'
import { percentile, phone, report, zeroLatencyApp } from './support.js'

const leadsAt = process.argv.indexOf('--leads')
const LEADS = leadsAt >= 0 ? Number(process.argv[leadsAt + 1]) : 100_000
const AGENTS = 1_000
const IN_FLIGHT = 50
const RTT_MS = 100
const CRITICAL_SAMPLES = 40

async function throughput() {
  const app = await zeroLatencyApp(AGENTS)
  let done = 0
  let settle: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    settle = resolve
  })
  const onEnd = () => {
    done++
    if (done === LEADS) settle()
  }
  app.on('lead.completed', onEnd)
  app.on('lead.failed', onEnd)

  const latencies: number[] = []
  let next = 0
  const start = performance.now()
  const worker = async () => {
    while (next < LEADS) {
      const i = next++
      const t = performance.now()
      await app.submitLead({ name: `Lead ${i}`, phone: phone(i) })
      latencies.push(performance.now() - t)
      // Leads arrive as I/O events (HTTP requests): let timers and I/O run between them, as a
      // server would. Memory storage never yields by itself.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const submitted = performance.now() - start
  await finished
  const total = performance.now() - start
  await app.close()
  report({ name: 'pipeline.submitLead.throughput', value: (LEADS / submitted) * 1000, unit: 'leads/s' })
  report({ name: 'pipeline.end-to-end.throughput', value: (LEADS / total) * 1000, unit: 'leads/s' })
  report({ name: 'pipeline.submitLead.p50', value: percentile(latencies, 50), unit: 'ms' })
  report({ name: 'pipeline.submitLead.p99', value: percentile(latencies, 99), unit: 'ms' })
}

async function criticalPath() {
  const telephony = simulatedTelephony({
    seed: 2,
    latencyMs: RTT_MS,
    ringMs: 50,
    talkMs: 50,
    agentAnswerRate: 1,
    answerRate: 1,
  })
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    distribution: { random: seededRandom(2) },
    compliance: { callingHours: false },
    pipeline: { contactSync: 'background' },
  })
  for (let i = 0; i < 20; i++)
    await app.agents.upsert({ id: `agent-${i}`, name: `Agent ${i}`, status: 'available' })

  // The dial request has been answered when the provider resolves it: timestamp that moment.
  let dialAnswered = 0
  const dial = telephony.dial.bind(telephony)
  telephony.dial = async (request, options) => {
    const result = await dial(request, options)
    dialAnswered = performance.now()
    return result
  }

  const leadcall: number[] = []
  const sequential: number[] = []
  for (let i = 0; i < CRITICAL_SAMPLES; i++) {
    const t = performance.now()
    await app.submitLead({ name: `Critical ${i}`, phone: phone(500_000 + i) })
    leadcall.push(dialAnswered - t)

    // Baseline: what hand-rolled systems do, one round trip after the other.
    const s = performance.now()
    const presence = await telephony.listAgentPresence!()
    const lead = app.normalizeLead({ name: `Sequential ${i}`, phone: phone(600_000 + i) })
    await telephony.syncContact!(lead)
    const agent = (await app.agents.get(`agent-${i % 20}`))!
    void presence
    await dial({ attemptId: `seq-${i}`, processId: `seq-${i}`, agent, lead, timeoutMs: 30_000 })
    sequential.push(performance.now() - s)
    await new Promise((resolve) => setTimeout(resolve, 300)) // let the calls end: agents free again
  }
  await app.close()
  const value = percentile(leadcall, 50) / RTT_MS
  const baseline = percentile(sequential, 50) / RTT_MS
  report({ name: 'critical-path', value, unit: 'rtt', baseline, ratio: value / baseline })
}

async function backlog() {
  const BACKLOG = 5_000
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({ seed: 3, latencyMs: 0, ringMs: 3_600_000, agentAnswerRate: 1 }),
    distribution: { random: seededRandom(3) },
    compliance: { callingHours: false },
    pipeline: { presencePollMs: 0 },
  })
  for (let i = 0; i < AGENTS; i++)
    await app.agents.upsert({
      id: `agent-${String(i).padStart(4, '0')}`,
      name: `Agent ${i}`,
      status: 'available',
    })
  // Every agent gets a call that rings for an hour.
  for (let i = 0; i < AGENTS; i++) await app.submitLead({ name: `Busy ${i}`, phone: phone(700_000 + i) })
  const latencies: number[] = []
  let next = 0
  let queued = 0
  const start = performance.now()
  const worker = async () => {
    while (next < BACKLOG) {
      const i = next++
      const t = performance.now()
      const result = await app.submitLead({ name: `Waiting ${i}`, phone: phone(800_000 + i) })
      latencies.push(performance.now() - t)
      if (result.status === 'queued') queued++
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const elapsed = performance.now() - start
  if (queued !== BACKLOG) throw new Error(`backlog: ${BACKLOG - queued} leads were not queued`)
  await app.close()
  report({
    name: 'pipeline.backlog.submitLead.throughput',
    value: (BACKLOG / elapsed) * 1000,
    unit: 'leads/s',
  })
  report({ name: 'pipeline.backlog.submitLead.p99', value: percentile(latencies, 99), unit: 'ms' })
}

await criticalPath()
await throughput()
await backlog()
