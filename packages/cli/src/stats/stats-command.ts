import { LeadCallError, type LiveStats } from '@leadcall/core'
import { formatDuration, formatPercent } from '../format/format.js'
import { renderTable } from '../format/table.js'
import {
  endpoint,
  errorOfResponse,
  fetchServer,
  jsonOf,
  type ServerOptions,
  serverHeaders,
} from '../http/server-client.js'
import { type CliIo, writeJson, writeLine } from '../io.js'

/** Options of {@link statsCommand}. */
export interface StatsCommandOptions extends ServerOptions {
  /** Print the server's JSON as is, and nothing else, on stdout. */
  json?: boolean
}

function isLiveStats(value: unknown): value is LiveStats {
  if (typeof value !== 'object' || value === null) return false
  const today = (value as { today?: unknown }).today
  return (
    typeof today === 'object' &&
    today !== null &&
    Array.isArray((today as { agents?: unknown }).agents) &&
    typeof (value as { agentsTotal?: unknown }).agentsTotal === 'number'
  )
}

/**
 * `GET <url>/stats`: today's figures of a leadcall server (`app.tracking.stats()`).
 *
 * @throws {LeadCallError} the server's error when it refuses (e.g. `INVALID_SIGNATURE` on 401),
 * `PROVIDER_TIMEOUT` when it cannot be reached, `VALIDATION_FAILED` when the answer is not stats.
 */
export async function fetchStats(server: ServerOptions): Promise<LiveStats> {
  const url = endpoint(server.url, '/stats')
  const response = await fetchServer(url, {
    method: 'GET',
    headers: serverHeaders(server),
    ...(server.signal ? { signal: server.signal } : {}),
  })
  if (!response.ok) throw await errorOfResponse(response, url)
  const body = await jsonOf(response, url)
  if (!isLiveStats(body)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `The answer of ${url} is not leadcall stats`,
      status: 502,
    })
  }
  return body
}

/** Today's figures as the text `leadcall stats` prints. */
export function formatStats(stats: LiveStats): string {
  const t = stats.today
  const ended = t.successfulCalls + t.failedCalls
  const lines = [
    `Today (${t.date}), as of ${stats.at}`,
    '',
    renderTable(
      [{ title: 'figure' }, { title: 'value' }],
      [
        ['leads received', String(t.totalProcesses)],
        ['calls completed', String(t.successfulCalls)],
        ['calls failed', String(t.failedCalls)],
        ['refused', String(t.rejected)],
        ['success rate', ended === 0 ? '-' : formatPercent(t.successRate)],
        ['agents available', `${stats.agentsAvailable} of ${stats.agentsTotal}`],
        ['queue', `${stats.queueLength} waiting`],
        ['open processes', String(stats.openProcesses)],
        [
          'balance',
          t.agents.length === 0
            ? '-'
            : `${t.balance.maxAssigned} max / ${t.balance.minAssigned} min assigned, CV ${
                t.balance.coefficientOfVariation === null ? '-' : t.balance.coefficientOfVariation.toFixed(2)
              }`,
        ],
      ],
      2,
    ),
    '',
    'Speed to lead:',
    renderTable(
      [
        { title: '' },
        { title: 'p50', align: 'right' },
        { title: 'p95', align: 'right' },
        { title: 'p99', align: 'right' },
        { title: 'count', align: 'right' },
      ],
      [
        ['received → dial started', t.speedToDial],
        ['received → answered', t.speedToAnswer],
        ['processing time', t.processingTime],
      ].map(([label, d]) => {
        const p = d as LiveStats['today']['speedToDial']
        return [
          label as string,
          formatDuration(p.p50),
          formatDuration(p.p95),
          formatDuration(p.p99),
          String(p.count),
        ]
      }),
      2,
    ),
  ]
  if (t.agents.length > 0) {
    lines.push(
      '',
      'Per agent:',
      renderTable(
        [
          { title: 'agent' },
          { title: 'assigned', align: 'right' },
          { title: 'answered', align: 'right' },
          { title: 'failed', align: 'right' },
          { title: 'success', align: 'right' },
          { title: 'talk', align: 'right' },
        ],
        t.agents.map((a) => [
          a.name,
          String(a.assigned),
          String(a.answered),
          String(a.failed),
          formatPercent(a.successRate),
          formatDuration(a.talkSec * 1000),
        ]),
        2,
      ),
    )
  }
  const errors = Object.entries(t.errorsByCode).sort((a, b) => b[1] - a[1])
  if (errors.length > 0) {
    lines.push('', `Errors: ${errors.map(([code, n]) => `${n} × ${code}`).join(', ')}`)
  }
  return lines.join('\n')
}

/**
 * `leadcall stats`: prints a server's figures of today — as text, or with `json` the server's JSON
 * as is. Resolves when printed; throws what {@link fetchStats} throws.
 */
export async function statsCommand(options: StatsCommandOptions, io: CliIo): Promise<void> {
  const stats = await fetchStats(options)
  if (options.json) writeJson(io.stdout, stats)
  else writeLine(io.stdout, formatStats(stats))
}
