/**
 * The HTTP handler under load.
 *
 * `createHttpHandler(app)` is served by @hono/node-server on 127.0.0.1 (an ephemeral port) in a
 * child process, with memory storage, the zero-latency simulator and 1,000 available agents. In the
 * parent, autocannon drives it with 50 connections for 10 s: `POST /leads`, a new phone number on
 * every request, and, in the same run on the same server, `POST /bare`, a bare handler that parses
 * the same JSON and answers 200. Reported: leads/s beside bare requests/s (their ratio, target
 * ≥ 0.3), and the p99 latency of both. A request counts when answered 2xx (200 dialing, 202 queued).
 *
 * The server runs in its own process so that the load generator never shares its event loop.
 * Only loopback traffic.
 *
 * `pnpm bench http [--json] [--quick]`
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { createHttpHandler } from '@leadcall/core'
import autocannon from 'autocannon'
import { phone, report, zeroLatencyApp } from './support.js'

const quick = process.argv.includes('--quick')
const CONNECTIONS = 50
const DURATION_S = quick ? 3 : 10
const WARMUP_S = quick ? 1 : 2
const AGENTS = 1_000
const SERVER_FLAG = '--serve'

// ------------------------------------------------------------------------------------- server

/** The child: serves the handler and the bare baseline on one server, then tells its port. */
async function runServer(): Promise<void> {
  const app = await zeroLatencyApp(AGENTS)
  const leadcall = createHttpHandler(app, { metrics: false })
  const bare = async (request: Request): Promise<Response> => {
    JSON.parse(await request.text())
    return new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } })
  }
  const fetch = (request: Request) => (request.url.endsWith('/bare') ? bare(request) : leadcall(request))
  serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.send?.({ port: info.port }))
}

// ------------------------------------------------------------------------------------- load

let sent = 0

/** Drives `path` on `port` for `seconds`, a new lead body on every request. */
function drive(port: number, path: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest(request) {
          const i = sent++
          return { ...request, body: JSON.stringify({ name: `Lead ${i}`, phone: phone(i), source: 'bench' }) }
        },
      },
    ],
  })
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }))
    child.once('exit', (code) => reject(new Error(`bench server exited early (${code})`)))
  })
}

/** 2xx answers per second of a run. */
const ok = (result: autocannon.Result) => result['2xx'] / result.duration

async function main(): Promise<void> {
  const { child, port } = await startServer()
  try {
    await drive(port, '/bare', WARMUP_S)
    await drive(port, '/leads', WARMUP_S)
    const bare = await drive(port, '/bare', DURATION_S)
    const leads = await drive(port, '/leads', DURATION_S)
    const failures = leads.non2xx + leads.errors + leads.timeouts
    const leadsPerSecond = ok(leads)
    const barePerSecond = ok(bare)
    report({
      name: 'http.leads.throughput',
      value: leadsPerSecond,
      unit: 'leads/s',
      baseline: barePerSecond,
      ratio: leadsPerSecond / barePerSecond,
    })
    report({ name: 'http.bare.throughput', value: barePerSecond, unit: 'req/s' })
    report({
      name: 'http.leads.p99',
      value: leads.latency.p99,
      unit: 'ms',
      baseline: bare.latency.p99,
      ratio: leads.latency.p99 / bare.latency.p99,
    })
    report({ name: 'http.bare.p99', value: bare.latency.p99, unit: 'ms' })
    report({ name: 'http.leads.failures', value: failures, unit: 'requests' })
  } finally {
    child.kill()
  }
}

if (process.argv.includes(SERVER_FLAG)) await runServer()
else await main()
