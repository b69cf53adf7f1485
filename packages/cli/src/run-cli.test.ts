import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closedPort,
  type LeadCallTestServer,
  startLeadCallServer,
  TEST_TOKEN,
} from './http/lead-call-server.test-util.js'
import { captureIo } from './io.test-util.js'
import { EXIT_CODES, runCli } from './run-cli.js'
import { CLI_VERSION } from './version.js'

async function run(argv: string[], options: Parameters<typeof captureIo>[0] = {}) {
  const captured = captureIo(options)
  const code = await runCli(argv, captured.io)
  return { code, stdout: captured.stdout(), stderr: captured.stderr() }
}

let server: LeadCallTestServer
let dir: string

beforeAll(async () => {
  server = await startLeadCallServer()
  dir = mkdtempSync(join(tmpdir(), 'leadcall-cli-run-'))
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('runCli: help and usage', () => {
  it('prints the program help, listing every command and the exit codes', async () => {
    const { code, stdout, stderr } = await run(['--help'])
    expect(code).toBe(EXIT_CODES.ok)
    for (const command of ['demo', 'import <file>', 'simulate', 'stats'])
      expect(stdout).toContain(`  ${command} `)
    expect(stdout).toContain('Exit codes:\n  0  success\n  1  failure')
    expect(stderr).toBe('')
  })

  it.each(['demo', 'import', 'simulate', 'stats'])('prints the help of %s', async (command) => {
    const { code, stdout } = await run([command, '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`Usage:\\n {2}\\$ leadcall ${command} `))
    expect(stdout).toContain('Options:')
    expect(stdout).toContain('--json')
    expect(stdout).toContain('Exit codes:')
  })

  it('prints the version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: '' })
  })

  it('exits 2 on usage errors, saying what is wrong on stderr only', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage:/],
      [['launch'], /Unknown command "launch"/],
      [['simulate', '--speed', '3'], /Unknown option `--speed`/],
      [['simulate', '--leads'], /value is missing/],
      [['simulate', '--leads', 'many'], /--leads must be a whole number/],
      [['simulate', '--strategy', 'fastest'], /Unknown strategy "fastest"/],
      [['simulate', '--compare', ','], /--compare needs strategy names/],
      [['simulate', '--answer-rate', '1.5'], /--answer-rate must be a number from 0 to 1/],
      [['demo', '--agents', '0'], /--agents must be a whole number from 1/],
      [['import'], /missing required args/],
      [['import', 'a.csv', 'b.csv', '--url', 'http://x'], /Unused args/],
      [['import', 'a.csv'], /--url is required/],
      [['stats', '--url', 'ftp://example.com'], /http or https/],
      [['stats', '--url', server.url, '--token'], /value is missing/],
    ]
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = await run(argv)
      expect({ argv, code }).toEqual({ argv, code: EXIT_CODES.usage })
      expect(stderr).toMatch(message)
      expect(stdout).toBe('')
    }
  })
})

describe('runCli: commands', () => {
  it('simulates with --json: one result per strategy, JSON only on stdout', async () => {
    const { code, stdout, stderr } = await run([
      'simulate',
      '--agents',
      '3',
      '--leads',
      '30',
      '--strategy',
      'longest-idle',
      '--compare',
      'round-robin,random',
      '--seed',
      '4',
      '--json',
    ])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    const report = JSON.parse(stdout)
    expect(report.settings).toMatchObject({ agents: 3, leads: 30, seed: 4 })
    expect(report.results.map((r: { strategy: string }) => r.strategy)).toEqual([
      'longest-idle',
      'round-robin',
      'random',
    ])
  }, 60_000)

  it('simulates with a table on stdout and a line per strategy on stderr', async () => {
    const { code, stdout, stderr } = await run([
      'simulate',
      '--agents',
      '2',
      '--leads',
      '10',
      '--gap',
      '60',
      '--talk',
      '30',
    ])
    expect(code).toBe(0)
    expect(stdout).toContain('leadcall simulate — 10 leads (one every 60 s on average), 2 agents, seed 1')
    expect(stdout).toMatch(/\nround-robin +\d+ \/ \d+ +\d\.\d{3} /)
    expect(stderr).toBe('simulating round-robin (1/1) …\n')
  }, 60_000)

  it('imports with the token from LEADCALL_TOKEN, and exits 1 when the server refuses', async () => {
    const file = join(dir, 'leads.csv')
    writeFileSync(file, 'name,phone\nAnn Lee,+1 415 555 0101\nNo Phone,\n')
    const ok = await run(['import', file, '--url', server.url, '--json'], {
      env: { LEADCALL_TOKEN: TEST_TOKEN },
    })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 2, accepted: 1, rejectedCount: 1 })

    const refused = await run(['import', file, '--url', server.url, '--token', 'nope', '--json'])
    expect(refused.code).toBe(EXIT_CODES.failure)
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'INVALID_SIGNATURE', status: 401 } })
    expect(refused.stderr).toMatch(/^leadcall import: The server answered 401/)
  })

  it('exits 1 when the server cannot be reached, with the error as JSON with --json', async () => {
    const port = await closedPort()
    const plain = await run(['stats', '--url', `http://127.0.0.1:${port}`])
    expect(plain.code).toBe(1)
    expect(plain.stdout).toBe('')
    expect(plain.stderr).toMatch(
      /^leadcall stats: Could not reach the leadcall server at http:\/\/127\.0\.0\.1:\d+\/stats/,
    )
    const json = await run(['stats', '--url', `http://127.0.0.1:${port}`, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'PROVIDER_TIMEOUT' } })
  })

  it('prints the stats of a server', async () => {
    const { code, stdout } = await run(['stats', `--url=${server.url}`, '--token', TEST_TOKEN])
    expect(code).toBe(0)
    expect(stdout).toMatch(/agents available\s+\d of 2/)
  })
})
