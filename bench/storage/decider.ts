/**
 * One process of `pnpm bench storage`: makes distribution decisions on a shared store for a fixed
 * time and prints how many. A decision is `app.distribution.assign()` (the strategy's choice and
 * its atomic reservation in the store), timed in batches of 56 (8 per agent, the load of 8 concurrent calls each); each batch's reservations are
 * completed between the timed sections, so agents stay free.
 *
 * argv: driver url scope durationMs concurrency
 */
import { createLeadCall, isLeadCallError } from '@leadcall/core'
import { openStorage } from '../../tests/scale-out/src/drivers.js'
import type { DriverName } from '../../tests/scale-out/src/protocol.js'

const [driver, url, scope, durationArg, concurrencyArg] = process.argv.slice(2) as [
  DriverName,
  string,
  string,
  string,
  string,
]
const durationMs = Number(durationArg)
const concurrency = Number(concurrencyArg)
const storage = await openStorage(driver, url, scope)
const app = createLeadCall({ storage, tenant: 'bench' })
await app.distribution.stats() // roster loaded before the clock starts

let decisions = 0
let contended = 0
let n = 0
const BATCH = 56

/** Makes `count` decisions, `concurrency` at a time; returns the reservations to complete. */
async function decide(count: number): Promise<string[]> {
  const made: string[] = []
  let left = count
  const lane = async () => {
    while (left > 0) {
      left--
      const i = n++
      try {
        const decision = await app.distribution.assign({
          processId: `p-${process.pid}-${i}`,
          lead: { id: `l-${process.pid}-${i}` },
        })
        decisions++
        for (const assignment of decision.assignments) made.push(assignment.id)
      } catch (error) {
        // Lost to contention every time (the pipeline would queue the lead): not a decision.
        if (isLeadCallError(error) && error.code === 'RATE_LIMITED') {
          contended++
          continue
        }
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return made
}

// Wait for the parent's start signal so that every process measures the same window. Decisions are
// timed in batches; the batch's reservations are then completed outside the timed sections (as in
// the distribution benchmark), so agents stay free.
process.stdin.once('data', async () => {
  let timed = 0
  const end = performance.now() + durationMs
  while (performance.now() < end) {
    const start = performance.now()
    const made = await decide(BATCH)
    timed += performance.now() - start
    await Promise.all(made.map((id) => app.distribution.complete(id)))
  }
  process.stdout.write(`${JSON.stringify({ decisions, contended, elapsedMs: timed })}\n`)
  await app.close()
  process.exit(0)
})
process.stdout.write('ready\n')
