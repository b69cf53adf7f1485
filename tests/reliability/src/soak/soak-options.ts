/** The soak's command line: `--rate`, `--duration`, `--storage`, `--agents`, `--attempts`. */

export type SoakStorage = 'memory' | 'redis'

/**
 * The rate each storage is soaked at by default: what one process sustains on a 2-core machine
 * (on Redis, 200 leads/s is past it: the queue grows for as long as the run lasts).
 */
export const DEFAULT_RATES: Record<SoakStorage, number> = { memory: 200, redis: 100 }

export interface SoakOptions {
  /** Leads per second offered; by default {@link DEFAULT_RATES} of each storage. */
  rate?: number
  /** Seconds of sustained load (default 600). */
  durationSec: number
  /** Storages to soak, one after the other (default both). */
  storages: SoakStorage[]
  /** Always-available agents (default 20). */
  agents: number
  /**
   * Runs per storage at most (default 1). A run that misses only its latency target is run again
   * while runs are left: a burst of a shared machine is not a slowdown of the code. A lost lead,
   * heap growth, a failed request or a missed rate fail at once.
   */
  attempts: number
}

const USAGE =
  'Usage: soak [--rate <leads/s, default 200 on memory, 100 on Redis>] [--duration <seconds, default 600>] ' +
  '[--storage memory|redis|both, default both] [--agents <n, default 20>] [--attempts <n, default 1>]'

function positive(name: string, text: string | undefined): number {
  const value = Number(text)
  if (text === undefined || !Number.isFinite(value) || value <= 0)
    throw new Error(`${name} wants a positive number. ${USAGE}`)
  return value
}

/** Parses the arguments after `--`; throws with the usage on anything it does not know. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = {
    durationSec: 600,
    storages: ['memory', 'redis'],
    agents: 20,
    attempts: 1,
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === '--') continue
    i++
    if (flag === '--rate') options.rate = positive(flag, value)
    else if (flag === '--duration') options.durationSec = positive(flag, value)
    else if (flag === '--agents') options.agents = Math.round(positive(flag, value))
    else if (flag === '--attempts') options.attempts = Math.round(positive(flag, value))
    else if (flag === '--storage') {
      if (value === 'both') options.storages = ['memory', 'redis']
      else if (value === 'memory' || value === 'redis') options.storages = [value]
      else throw new Error(`--storage wants memory, redis or both. ${USAGE}`)
    } else throw new Error(`Unknown argument ${flag}. ${USAGE}`)
  }
  return options
}
