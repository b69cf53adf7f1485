import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closedPort,
  type LeadCallTestServer,
  startLeadCallServer,
  TEST_TOKEN,
} from './http/lead-call-server.test-util.js'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = join(here, '..')

/** Runs the `leadcall` bin from source, as a process of its own. */
function leadcall(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=dev-source', '--import', 'tsx', join(here, 'cli.ts'), ...args],
      {
        cwd: packageDir,
        env: { ...process.env, LEADCALL_TOKEN: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let server: LeadCallTestServer
let dir: string

beforeAll(async () => {
  server = await startLeadCallServer()
  dir = mkdtempSync(join(tmpdir(), 'leadcall-cli-bin-'))
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the leadcall bin', () => {
  it('prints its help and exits 0', async () => {
    const { code, stdout } = await leadcall(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('$ leadcall <command> [options]')
  }, 60_000)

  it('exits 2 on a usage error, with nothing on stdout', async () => {
    const { code, stdout, stderr } = await leadcall(['simulate', '--agents', 'ten'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain('--agents must be a whole number')
  }, 60_000)

  it('exits 1 when the server cannot be reached', async () => {
    const port = await closedPort()
    const { code, stdout, stderr } = await leadcall(['stats', '--url', `http://127.0.0.1:${port}`, '--json'])
    expect(code).toBe(1)
    expect(JSON.parse(stdout).error.code).toBe('PROVIDER_TIMEOUT')
    expect(stderr).toContain('Could not reach the leadcall server')
  }, 60_000)

  it('imports a CSV file into a running server', async () => {
    const file = join(dir, 'leads.csv')
    writeFileSync(file, 'name,phone\nAnn Lee,+1 415 555 0101\nBob Stone,+1 415 555 0102\nTypo,555-12\n')
    const { code, stdout } = await leadcall(['import', file, '--url', server.url, '--json'], {
      LEADCALL_TOKEN: TEST_TOKEN,
    })
    expect(code).toBe(0)
    const summary = JSON.parse(stdout)
    expect(summary).toMatchObject({
      rows: 3,
      rejectedCount: 1,
      rejected: [{ line: 4, code: 'INVALID_PHONE' }],
    })
    expect(summary.accepted + summary.queued).toBe(2)
    const refused = await leadcall(['import', file, '--url', server.url])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('401')
  }, 60_000)

  it('compares three strategies on the same simulated traffic', async () => {
    const { code, stdout } = await leadcall([
      'simulate',
      '--agents',
      '5',
      '--leads',
      '120',
      '--strategy',
      'round-robin',
      '--compare',
      'longest-idle,fewest-assigned',
      '--json',
    ])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.results).toHaveLength(3)
    for (const result of report.results) {
      expect(result.outcomes.completed + result.outcomes.failed).toBe(120)
      expect(result.speedToLead.count).toBe(120)
      expect(result.balance.maxAssigned).toBeGreaterThanOrEqual(result.balance.minAssigned)
    }
  }, 120_000)

  it('runs the demo', async () => {
    const { code, stdout } = await leadcall([
      'demo',
      '--leads',
      '6',
      '--agents',
      '2',
      '--spread',
      '0.3',
      '--json',
    ])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.progress.total).toBe(6)
    expect(report.progress.completed + report.progress.failed + report.progress.rejected).toBe(6)
    expect(report.agents).toHaveLength(2)
  }, 120_000)
})
