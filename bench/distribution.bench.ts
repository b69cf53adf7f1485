/**
 * Distribution decisions per second for every strategy with 10, 100, 1,000 and 10,000 agents (half
 * of them unavailable, spread through the list) on the memory driver, beside the naive algorithm of
 * the hand-rolled systems leadcall replaces (filter the online agents, find the last one used, take
 * the next; no I/O), measured in the same run.
 *
 * A decision is `app.distribution.assign()`: the strategy's choice plus the atomic reservation in
 * storage. Each reservation is then completed outside the timed section, so agents stay free and
 * the measurement is of steady state.
 *
 * `pnpm bench distribution [--json]`
 */
import {
  createLeadCall,
  type DistributionStrategy,
  fewestAssigned,
  leastUtilized,
  longestIdle,
  memoryStorage,
  random,
  roundRobin,
  seededRandom,
  skillsBased,
  stickyOwner,
  tiers,
  weightedRandom,
  weightedRoundRobin,
} from '@leadcall/core'
import { report } from './support.js'

const quick = process.argv.includes('--quick')
const SIZES = [10, 100, 1_000, 10_000]
const MIN_MS = quick ? 150 : 600
const MIN_DECISIONS = quick ? 300 : 2_000
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt >= 0 ? process.argv[onlyAt + 1]?.split(',') : undefined

const strategies: [string, () => DistributionStrategy][] = [
  ['round-robin', () => roundRobin()],
  ['weighted-round-robin', () => weightedRoundRobin()],
  ['longest-idle', () => longestIdle()],
  ['fewest-assigned', () => fewestAssigned({ window: 'day' })],
  ['least-utilized', () => leastUtilized()],
  ['random', () => random()],
  ['weighted-random', () => weightedRandom()],
  ['tiers', () => tiers()],
  ['skills-based', () => skillsBased({ preferred: { english: 1 } })],
  ['sticky-owner', () => stickyOwner({ windowMs: 86_400_000 })],
]

/** The naive algorithm: filter online agents, find the last one used, take the next. */
function naiveDecisionsPerSecond(n: number): number {
  const agents = Array.from({ length: n }, (_, i) => ({
    id: `agent-${i}`,
    status: i % 2 === 0 ? 'online' : 'offline',
  }))
  let last: string | undefined
  let decisions = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < MIN_MS || decisions < MIN_DECISIONS) {
    for (let k = 0; k < 100; k++) {
      const online = agents.filter((a) => a.status === 'online')
      const index = online.findIndex((a) => a.id === last)
      last = online[(index + 1) % online.length]?.id
    }
    decisions += 100
    elapsed = performance.now() - start
  }
  return (decisions / elapsed) * 1000
}

async function makeApp(makeStrategy: () => DistributionStrategy, n: number) {
  const app = createLeadCall({
    storage: memoryStorage(),
    distribution: { strategy: makeStrategy(), random: seededRandom(1), reservationTimeoutMs: 3_600_000 },
  })
  for (let i = 0; i < n; i++) {
    await app.agents.upsert({
      id: `agent-${String(i).padStart(5, '0')}`,
      name: `Agent ${i}`,
      status: i % 2 === 0 ? 'available' : 'offline',
      capacity: 2,
      weight: 1 + (i % 3),
      tier: 1 + (i % 4 === 0 ? 0 : 1),
      skills: { english: i % 5 },
    })
  }
  return app
}

let leadNo = 0
async function decide(app: Awaited<ReturnType<typeof makeApp>>): Promise<number> {
  leadNo++
  const start = performance.now()
  const decision = await app.distribution.assign({
    processId: `p-${leadNo}`,
    lead: { id: `l-${leadNo}`, phone: `+1415${String(leadNo % 10_000_000).padStart(7, '0')}` },
  })
  const took = performance.now() - start
  await app.distribution.complete(decision.assignments[0]!.id)
  return took
}

async function decisionsPerSecond(makeStrategy: () => DistributionStrategy, n: number): Promise<number> {
  const app = await makeApp(makeStrategy, n)
  for (let i = 0; i < 200; i++) await decide(app) // warm-up, and loads the roster
  let decisions = 0
  let timed = 0
  const wall = performance.now()
  while (performance.now() - wall < MIN_MS || decisions < MIN_DECISIONS) {
    timed += await decide(app)
    decisions++
  }
  await app.close()
  return (decisions / timed) * 1000
}

async function bytesPerAgent(n: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const before = process.memoryUsage().heapUsed
  const app = await makeApp(() => roundRobin(), n)
  await decide(app) // the roster and index are built on first use
  gc?.()
  const after = process.memoryUsage().heapUsed
  await app.close()
  return (after - before) / n
}

const baselines = new Map(SIZES.map((n) => [n, naiveDecisionsPerSecond(n)]))
for (const [name, make] of strategies) {
  if (only && !only.includes(name)) continue
  const perSize = new Map<number, number>()
  for (const n of SIZES) {
    const value = await decisionsPerSecond(make, n)
    perSize.set(n, value)
    const baseline = baselines.get(n)!
    report({
      name: `distribution.${name}.${n}`,
      value,
      unit: 'decisions/s',
      baseline,
      ratio: value / baseline,
    })
  }
  report({
    name: `distribution.${name}.scaling-10000-vs-100`,
    value: perSize.get(10_000)! / perSize.get(100)!,
    unit: 'ratio',
  })
}
report({ name: 'distribution.memory-per-agent.10000', value: await bytesPerAgent(10_000), unit: 'bytes' })
