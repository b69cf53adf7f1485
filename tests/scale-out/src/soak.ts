/**
 * A manual run of the scale-out harness, for measuring and troubleshooting a driver:
 * `node --conditions=dev-source --import tsx src/soak.ts <leads> <redis|postgres> <workers> [inFlight]`
 * (set SCALE_OUT_DEBUG=1 to see failed leads). Prints the submit time, the time until every lead
 * ended, the statuses submissions returned and the per-agent assignment counts.
 */
import { createLeadCall } from '@leadcall/core'
import { type HubCall, startCluster } from './cluster.js'
import { DRIVER_URLS, dropScope, openStorage } from './drivers.js'
import type { DriverName } from './protocol.js'

const leads = Number(process.argv[2] ?? 2000)
const driver = (process.argv[3] ?? 'redis') as DriverName
const workers = Number(process.argv[4] ?? 4)
const inFlight = Number(process.argv[5] ?? 128)
const scope = `lc_soak_${Date.now()}`
const count = (values: (string | undefined)[]) => {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value ?? '-'] = (counts[value ?? '-'] ?? 0) + 1
  return JSON.stringify(counts)
}

const app = createLeadCall({ storage: await openStorage(driver, DRIVER_URLS[driver], scope), tenant: 'acme' })
for (let i = 1; i <= 7; i++)
  await app.agents.upsert({ id: `a${i}`, name: `a${i}`, status: 'available', capacity: 1000 })
const cluster = await startCluster({
  driver,
  url: DRIVER_URLS[driver],
  scope,
  tenant: 'acme',
  workers,
  leaseMs: 30_000,
})
try {
  const start = Date.now()
  const results = await cluster.submitAll(leads, inFlight, (i) => ({
    name: `Lead ${i}`,
    phone: `+1 212 ${200 + Math.floor(i / 10_000)} ${String(i % 10_000).padStart(4, '0')}`,
  }))
  const submitted = Date.now() - start
  console.log(`submitted ${leads} in ${submitted} ms (${Math.round(leads / (submitted / 1000))}/s)`)
  console.log('statuses', count(results.map((r) => r.status ?? r.error)))
  await cluster.waitFor(
    () => cluster.completed.size + cluster.failed.size >= leads,
    1_800_000,
    'every lead to end',
  )
  console.log(
    `ended in ${Date.now() - start} ms: completed ${cluster.completed.size}, failed ${count([...cluster.failed.values()])}`,
  )
  console.log(
    'dials',
    cluster.calls.size,
    'repeated',
    cluster.repeatedDials,
    'errors',
    cluster.errors.slice(0, 3),
  )
  const byProcess = new Map<string, HubCall[]>()
  for (const call of cluster.calls.values())
    byProcess.set(call.processId, [...(byProcess.get(call.processId) ?? []), call])
  for (const calls of byProcess.values()) {
    if (calls.length < 2) continue
    const what = calls.map((c) => [c.providerCallId, cluster.eventLog.get(c.providerCallId)])
    console.log('dialed twice', JSON.stringify(what))
  }
  console.log('assigned per agent', (await app.distribution.stats()).map((s) => s.assigned).join(','))
} finally {
  await cluster.stop()
  await app.close()
  await dropScope(driver, DRIVER_URLS[driver], scope)
}
