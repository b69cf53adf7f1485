import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import { isLeadCallError } from '../errors/lead-call-error.js'
import type { ImportProgressEvent } from '../events/event-map.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { simulatedTelephony } from '../telephony/simulated-telephony.js'
import type { ImportSummary } from './import-leads.js'

/** A distinct, valid US number for `i` (`+1 212 2xx xxxx`). */
function phone(i: number): string {
  return `+1212${200 + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')}`
}

const apps: LeadCallApp[] = []

async function makeApp(agents = 3): Promise<LeadCallApp> {
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({ seed: 1 }),
    compliance: { callingHours: false },
  })
  apps.push(app)
  for (let i = 0; i < agents; i++) {
    await app.agents.upsert({ id: `agent-${i}`, name: `Agent ${i}`, status: 'available' })
  }
  return app
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** The leads the app received during `run`, by process, as stored. */
async function receivedLeads(app: LeadCallApp, run: () => Promise<unknown>) {
  const ids: string[] = []
  const off = app.on('lead.received', (event) => ids.push(event.processId))
  await run()
  off()
  const states = await Promise.all(ids.map((id) => app.process(id)))
  return states.map((state) => state?.lead)
}

function expectBalanced(summary: ImportSummary) {
  expect(summary.accepted + summary.queued + summary.rejectedCount + summary.duplicates).toBe(summary.rows)
}

describe('importLeads: header mapping', () => {
  it('recognises the usual headers', async () => {
    const app = await makeApp(5)
    const csv = [
      'Full Name,Mobile,E-mail,Company,Priority,Tags,Lead Source,ID',
      `Maria de la Cruz,${phone(1)},Maria@Example.com,Acme,urgent,"vip, facebook",fb-ads,crm-1`,
      `John Smith,${phone(2)},,,low,,,`,
    ].join('\n')
    let summary: ImportSummary | undefined
    const leads = await receivedLeads(app, async () => {
      summary = await app.importLeads(csv)
    })
    expect(summary).toMatchObject({ rows: 2, accepted: 2, queued: 0, rejectedCount: 0, duplicates: 0 })
    const maria = leads.find((lead) => lead?.externalId === 'crm-1')
    expect(maria).toMatchObject({
      phone: phone(1),
      fullName: 'Maria de la Cruz',
      email: 'maria@example.com',
      company: 'Acme',
      priority: 'urgent',
      tags: ['vip', 'facebook'],
      source: 'fb-ads',
    })
    const john = leads.find((lead) => lead?.phone === phone(2))
    expect(john).toMatchObject({
      firstName: 'John',
      lastName: 'Smith',
      source: 'csv-import',
      priority: 'low',
    })
    expect(john?.externalId).toBeUndefined()
  })

  it('follows an explicit mapping, case-insensitively, with another delimiter and source', async () => {
    const app = await makeApp()
    const csv = ['Nome;Cognome;Numero di telefono;Note', `Giulia;Rossi;${phone(7)};chiamare dopo le 17`].join(
      '\r\n',
    )
    let summary: ImportSummary | undefined
    const leads = await receivedLeads(app, async () => {
      summary = await app.importLeads(
        { text: csv },
        {
          delimiter: ';',
          source: 'fiera-2025',
          keepUnmappedColumns: true,
          mapping: { firstName: 'NOME', lastName: 'cognome', phone: 'Numero di Telefono' },
        },
      )
    })
    expect(summary).toMatchObject({ rows: 1, accepted: 1 })
    expect(leads[0]).toMatchObject({
      phone: phone(7),
      firstName: 'Giulia',
      lastName: 'Rossi',
      source: 'fiera-2025',
      custom: { Note: 'chiamare dopo le 17' },
    })
  })

  it('reads a country column as the country of national numbers', async () => {
    const app = await makeApp()
    const csv = ['First,Last,Phone,Country', 'Giulia,Rossi,347 123 4567,IT'].join('\n')
    const leads = await receivedLeads(app, () => app.importLeads({ text: csv }))
    expect(leads[0]).toMatchObject({ phone: '+393471234567', firstName: 'Giulia', lastName: 'Rossi' })
  })

  it('refuses a header without a phone column, or without a mapped column, before any row', async () => {
    const app = await makeApp()
    await expect(app.importLeads('name,email\nAnn,ann@example.com\n')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('no phone column'),
    })
    await expect(
      app.importLeads(`name,phone\nAnn,${phone(1)}\n`, { mapping: { phone: 'Mobile' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('"Mobile"') })
    await expect(app.importLeads('phone\n1\n', { batchSize: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('batchSize'),
    })
  })
})

describe('importLeads: rejected rows', () => {
  const rows = [
    /* 1 */ 'name,phone,email,priority',
    /* 2 */ `Ann,${phone(1)},ann@example.com,high`,
    /* 3 */ 'Bob,,bob@example.com,',
    /* 4 */ '"Carl',
    /* 5 */ 'the Second",12,carl@example.com,',
    /* 6 */ `Dan,${phone(2)},not-an-email,`,
    /* 7 */ '',
    /* 8 */ `Eve,"${phone(3)}"x,eve@example.com,`,
    /* 9 */ `Fay,${phone(4)},fay@example.com,super`,
    /* 10 */ '"Gus ""G""',
    /* 11 */ '',
    /* 12 */ `Jr",${phone(5)},,`,
    /* 13 */ '  ,  ,  ,  ',
    /* 14 */ `Ivy,+1 999,ivy@example.com,`,
    /* 15 */ `Jay,1-800-FLOWERS,,`,
    /* 16 */ `Kim,${phone(6)}`,
  ]
  const expected = [
    { line: 3, code: 'MISSING_PHONE' },
    { line: 4, code: 'INVALID_PHONE' },
    { line: 6, code: 'VALIDATION_FAILED', message: expect.stringContaining('email') },
    // Quotes are read leniently: the stray quote stays in the value, which is then no phone number.
    { line: 8, code: 'INVALID_PHONE', message: expect.stringContaining('letters') },
    { line: 9, code: 'VALIDATION_FAILED', message: expect.stringContaining('priority') },
    { line: 14, code: 'INVALID_PHONE' },
    { line: 15, code: 'INVALID_PHONE', message: expect.stringContaining('letters') },
  ]

  for (const [eol, name] of [
    ['\n', 'LF'],
    ['\r\n', 'CR LF'],
    ['\r', 'CR'],
  ] as const) {
    it(`reports each with the line it starts on and its reason (${name} line ends)`, async () => {
      const app = await makeApp(10)
      const summary = await app.importLeads({ text: rows.join(eol) + eol })
      expect(summary.rejected).toEqual(expected.map((row) => ({ message: expect.any(String), ...row })))
      expect(summary).toMatchObject({ rows: 10, accepted: 3, rejectedCount: 7, duplicates: 0 })
      expectBalanced(summary)
    })
  }

  it('caps the list, not the count', async () => {
    const app = await makeApp()
    const csv = ['phone', ...Array.from({ length: 30 }, () => '12')].join('\n')
    const summary = await app.importLeads(csv, { maxRejected: 5 })
    expect(summary.rejectedCount).toBe(30)
    expect(summary.rejected.map((row) => row.line)).toEqual([2, 3, 4, 5, 6])
  })

  it('says that the rest of the file was not read after a quote left open', async () => {
    const app = await makeApp()
    const csv = ['name,phone', `Ann,${phone(1)}`, '', `"Bob,${phone(2)}`, `Cid,${phone(3)}`].join('\n')
    const summary = await app.importLeads(csv)
    expect(summary).toMatchObject({ rows: 2, accepted: 1, rejectedCount: 1 })
    expect(summary.rejected).toEqual([
      {
        line: 4,
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(
          /^Malformed CSV row: Quote Not Closed.*the rest of the file was not read$/,
        ),
      },
    ])
  })

  it('stops at a row larger than 1 MiB (a quote left open in a big file) instead of holding it all', async () => {
    const app = await makeApp()
    const huge = 'x'.repeat(1_100_000)
    const csv = ['name,phone', `Ann,${phone(1)}`, `"${huge},${phone(2)}`, `Cid,${phone(3)}`].join('\n')
    const summary = await app.importLeads(csv)
    expect(summary).toMatchObject({ rows: 2, accepted: 1, rejectedCount: 1 })
    expect(summary.rejected).toEqual([
      {
        line: 3,
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(
          /^Malformed CSV row: Max Record Size.*the rest of the file was not read$/,
        ),
      },
    ])
  })
})

describe('importLeads: duplicates', () => {
  it('skips rows repeating a phone (in any format) or an external id of the file', async () => {
    const app = await makeApp(10)
    const csv = [
      'name,phone,id',
      'Ann,+1 415 555 2671,',
      'Ann again,(415) 555-2671,',
      `Bob,${phone(1)},crm-7`,
      `Bob's colleague,${phone(2)},crm-7`,
      `Cid,${phone(3)},crm-8`,
    ].join('\n')
    let summary: ImportSummary | undefined
    const leads = await receivedLeads(app, async () => {
      summary = await app.importLeads(csv)
    })
    expect(summary).toMatchObject({ rows: 5, accepted: 3, duplicates: 2, rejectedCount: 0 })
    expect(leads.map((lead) => lead?.fullName).sort()).toEqual(['Ann', 'Bob', 'Cid'])
  })

  it('counts leads already received as duplicates: open phone, same external id, same import again', async () => {
    const app = await makeApp(10)
    await app.submitLead({ name: 'Open', phone: phone(1) })
    await app.submitLead({ name: 'Known', phone: phone(9), source: 'csv-import', externalId: 'crm-2' })
    const csv = ['name,phone,id', `A,${phone(1)},`, `B,${phone(2)},crm-2`, `C,${phone(3)},`].join('\n')
    const first = await app.importLeads(csv, { importId: 'weekly-42' })
    expect(first).toMatchObject({ rows: 3, accepted: 1, duplicates: 2, rejectedCount: 0 })
    // The same import once more: every row is a redelivery (idempotency key, external id, open phone).
    const again = await app.importLeads(csv, { importId: 'weekly-42' })
    expect(again).toMatchObject({ rows: 3, accepted: 0, duplicates: 3 })
  })
})

describe('importLeads: queue and progress', () => {
  it('queues what the agents cannot take now and reports progress every batch, then done', async () => {
    const app = await makeApp(3)
    const events: ImportProgressEvent[] = []
    app.on('import.progress', (event) => events.push(event))
    const csv = ['phone', ...Array.from({ length: 7 }, (_, i) => phone(i)), '12'].join('\n')
    const summary = await app.importLeads(csv, { batchSize: 3, concurrency: 2, importId: 'p1' })
    expect(summary).toMatchObject({ importId: 'p1', rows: 8, accepted: 3, queued: 4, rejectedCount: 1 })
    expect(events.map((event) => event.done)).toEqual([false, false, true])
    expect(events.every((event) => event.importId === 'p1')).toBe(true)
    const settled = events.map((e) => e.accepted + e.queued + e.rejected + e.duplicates)
    expect(settled).toEqual([3, 6, 8])
    expect(events.at(-1)).toEqual({
      importId: 'p1',
      rows: 8,
      accepted: 3,
      queued: 4,
      rejected: 1,
      duplicates: 0,
      done: true,
    })
    expect(await app.queue.size()).toBe(4)
    expect(summary.durationMs).toBeGreaterThan(0)
  })

  it('imports an empty file or a header alone as nothing', async () => {
    const app = await makeApp()
    for (const text of ['', 'phone\n', '\n\n']) {
      expect(await app.importLeads({ text })).toMatchObject({ rows: 0, accepted: 0, rejected: [] })
    }
  })
})

describe('importLeads: abort', () => {
  it('refuses at once when the signal is already aborted', async () => {
    const app = await makeApp()
    const controller = new AbortController()
    controller.abort()
    await expect(
      app.importLeads(`phone\n${phone(1)}\n`, { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('stops reading and submitting, destroys the stream, and rejects with the reason', async () => {
    const app = await makeApp(200)
    const controller = new AbortController()
    const stream = new PassThrough()
    stream.on('error', () => {})
    let received = 0
    app.on('lead.received', () => received++)
    const events: ImportProgressEvent[] = []
    app.on('import.progress', (event) => {
      events.push(event)
      if (event.accepted >= 10 && !controller.signal.aborted) controller.abort(new Error('stop it'))
    })
    let written = 0
    stream.write('phone\n')
    const writer = setInterval(() => {
      for (let i = 0; i < 5 && !stream.destroyed; i++) stream.write(`${phone(written++)}\n`)
    }, 1)
    try {
      await expect(
        app.importLeads(stream, { signal: controller.signal, batchSize: 5, concurrency: 2 }),
      ).rejects.toThrow('stop it')
    } finally {
      clearInterval(writer)
    }
    expect(stream.destroyed).toBe(true)
    const last = events.at(-1)
    expect(last?.done).toBe(true)
    const settledAtEnd = received
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(received).toBe(settledAtEnd)
    expect(received).toBeLessThan(10 + 5 * 2 + 2)
    expect(last?.accepted).toBeLessThanOrEqual(received)
  })
})

describe('importLeads: sources', () => {
  let dir: string
  let file: string
  const csv = `\uFEFFname,phone\nZoë Ünal,${phone(1)}\n"Li, Wei",${phone(2)}\nAnn,${phone(3)}\n`
  const bytes = new TextEncoder().encode(csv)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadcall-import-'))
    file = join(dir, 'leads.csv')
    await writeFile(file, csv)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** The bytes cut in pieces of `size` (through the middle of `ë` and `Ü`). */
  function pieces(size: number): Uint8Array[] {
    const out: Uint8Array[] = []
    for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size))
    return out
  }

  const sources: [string, () => unknown][] = [
    ['CSV text (a string with a line break)', () => csv],
    ['a file path (a string without one)', () => file],
    ['{ path }', () => ({ path: file })],
    ['a file URL', () => pathToFileURL(file)],
    ['{ text } of bytes', () => ({ text: bytes })],
    ['a Node Readable of bytes', () => Readable.from(pieces(3))],
    ['a Node Readable of strings', () => Readable.from(csv.match(/[\s\S]{1,5}/g) ?? [])],
    [
      'a Web ReadableStream of bytes',
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const piece of pieces(2)) controller.enqueue(piece)
            controller.close()
          },
        }),
    ],
    [
      'an async iterable of strings',
      () =>
        (async function* () {
          for (const line of csv.split(/(?<=\n)/)) yield line
        })(),
    ],
  ]

  for (const [name, make] of sources) {
    it(`reads ${name}`, async () => {
      const app = await makeApp(5)
      let summary: ImportSummary | undefined
      const leads = await receivedLeads(app, async () => {
        summary = await app.importLeads(make() as never)
      })
      expect(summary).toMatchObject({ rows: 3, accepted: 3, rejectedCount: 0, duplicates: 0 })
      expect(leads.map((lead) => lead?.fullName).sort()).toEqual(['Ann', 'Li, Wei', 'Zoë Ünal'])
    })
  }

  it('refuses what it cannot read', async () => {
    const app = await makeApp()
    await expect(app.importLeads(join(dir, 'missing.csv'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^Could not read the CSV source: .*ENOENT/),
    })
    await expect(app.importLeads(42 as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('Unsupported import source'),
    })
    await expect(app.importLeads({ file: 'x' } as never)).rejects.toSatisfy((error) =>
      isLeadCallError(error, 'VALIDATION_FAILED'),
    )
    await expect(
      app.importLeads(
        (async function* () {
          yield 'phone\n'
          yield 42
        })() as never,
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('a chunk is number'),
    })
  })
})
