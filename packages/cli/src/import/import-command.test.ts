import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closedPort,
  type LeadCallTestServer,
  startLeadCallServer,
  TEST_TOKEN,
} from '../http/lead-call-server.test-util.js'
import { captureIo } from '../io.test-util.js'
import { importCommand } from './import-command.js'
import { uploadCsv } from './upload-csv.js'

const CSV = [
  'name,phone,email',
  'Ann Lee,+1 415 555 0101,ann@example.com',
  'Bob Stone,+1 415 555 0102,',
  'No Phone,,nobody@example.com',
  'Bad Number,555-12,',
  'Cid Moe,+1 415 555 0103,',
  'Ann Again,(415) 555-0101,',
  '',
].join('\n')

let dir: string
let file: string
let server: LeadCallTestServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadcall-cli-import-'))
  file = join(dir, 'leads.csv')
  writeFileSync(file, CSV)
  server = await startLeadCallServer()
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('uploadCsv', () => {
  it('streams the file as text/csv to POST /leads/import and resolves with the summary', async () => {
    let total = -1
    const progress: number[] = []
    const summary = await uploadCsv({
      file,
      url: server.url,
      token: TEST_TOKEN,
      onStart: (bytes) => {
        total = bytes
      },
      onProgress: (sent) => progress.push(sent),
    })
    expect(server.requests.at(-1)).toEqual({ method: 'POST', path: '/leads/import', contentType: 'text/csv' })
    expect(total).toBe(statSync(file).size)
    expect(progress.at(-1)).toBe(total)
    expect(summary.rows).toBe(6)
    expect(summary.accepted + summary.queued).toBe(3)
    expect(summary.duplicates).toBe(1)
    expect(summary.rejectedCount).toBe(2)
    expect(summary.rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'MISSING_PHONE'],
      [5, 'INVALID_PHONE'],
    ])
  })

  it('fails with the server’s error when the import is refused', async () => {
    await expect(uploadCsv({ file, url: server.url, token: 'wrong' })).rejects.toMatchObject({
      code: 'INVALID_SIGNATURE',
      status: 401,
    })
    const small = await startLeadCallServer({ maxImportBytes: 64 })
    try {
      await expect(uploadCsv({ file, url: small.url, token: TEST_TOKEN })).rejects.toMatchObject({
        status: 413,
      })
    } finally {
      await small.close()
    }
  })

  it('fails on a file it cannot read and a server it cannot reach', async () => {
    await expect(uploadCsv({ file: join(dir, 'missing.csv'), url: server.url })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('ENOENT'),
    })
    await expect(uploadCsv({ file: dir, url: server.url })).rejects.toThrow(/not a file/)
    const port = await closedPort()
    await expect(uploadCsv({ file, url: `http://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: 'PROVIDER_TIMEOUT',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    })
  })

  it('appends the route to a base path', async () => {
    const mounted = await startLeadCallServer({ basePath: '/leadcall' })
    try {
      const csv = join(dir, 'one.csv')
      writeFileSync(csv, 'phone\n+1 212 555 0199\n')
      const summary = await uploadCsv({ file: csv, url: `${mounted.url}/leadcall/`, token: TEST_TOKEN })
      expect(summary.rows).toBe(1)
      expect(mounted.requests.at(-1)?.path).toBe('/leadcall/leads/import')
    } finally {
      await mounted.close()
    }
  })
})

describe('importCommand', () => {
  it('prints the summary table and the rejected rows, and no progress bar off a terminal', async () => {
    const fresh = await startLeadCallServer()
    try {
      const { io, stdout, stderr } = captureIo()
      await importCommand({ file, url: fresh.url, token: TEST_TOKEN }, io)
      const out = stdout()
      expect(out).toMatch(/^Imported leads\.csv: 6 rows in /)
      expect(out).toMatch(/accepted\s+\d/)
      expect(out).toMatch(/rejected\s+2/)
      expect(out).toMatch(/duplicates\s+1/)
      expect(out).toMatch(/4\s+MISSING_PHONE\s+\S/)
      expect(out).toMatch(/5\s+INVALID_PHONE\s+\S/)
      expect(stderr()).toBe(`Uploading leads.csv (${statSync(file).size} B) to ${fresh.url}\n`)
    } finally {
      await fresh.close()
    }
  })

  it('prints only the JSON summary with json', async () => {
    const fresh = await startLeadCallServer()
    try {
      const { io, stdout, stderr } = captureIo({ tty: true })
      await importCommand({ file, url: fresh.url, token: TEST_TOKEN, json: true }, io)
      const summary = JSON.parse(stdout())
      expect(summary).toMatchObject({ rows: 6, duplicates: 1, rejectedCount: 2 })
      expect(stderr()).toBe('')
    } finally {
      await fresh.close()
    }
  })

  it('draws a progress bar of the bytes sent on a terminal', async () => {
    const fresh = await startLeadCallServer()
    try {
      const { io, stdout, stderr } = captureIo({ tty: true })
      await importCommand({ file, url: fresh.url, token: TEST_TOKEN }, io)
      expect(stderr()).toContain('Uploading leads.csv [')
      expect(stderr()).toContain(`100% | ${statSync(file).size} B / ${statSync(file).size} B`)
      expect(stdout()).toMatch(/^Imported leads\.csv/)
    } finally {
      await fresh.close()
    }
  })
})
