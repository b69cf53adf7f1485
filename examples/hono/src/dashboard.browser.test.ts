/**
 * The live dashboard in a real browser: Debian's Chromium driven by playwright-core, against the
 * example server (simulated telephony with short calls, sample agents). Leads are submitted over
 * HTTP and must show up live in the event feed and the recent processes, the agents must be
 * listed and the charts drawn; a screenshot is saved to `screenshots/dashboard.png`. A second test
 * opens the dashboard of a server whose management routes need a Bearer token.
 *
 * Without `/usr/bin/chromium` the tests are skipped locally and fail on CI (`CI=true`), where
 * `.ci/run` installs it.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from './server.js'

const CHROMIUM = '/usr/bin/chromium'
const ON_CI = process.env.CI === 'true'
const HAS_CHROMIUM = existsSync(CHROMIUM)
const SCREENSHOTS = new URL('../screenshots/', import.meta.url)
/** How long the page may take to show what the server already did. */
const LIVE_MS = 15_000
/** A simulator whose calls ring and end within seconds, with seeded outcomes. */
const QUICK_CALLS = {
  LEADCALL_CALLING_HOURS: 'off',
  LEADCALL_SIMULATOR_SEED: '3',
  LEADCALL_SIMULATOR_RING_MS: '400',
  LEADCALL_SIMULATOR_TALK_MS: '2500',
}
const TOKEN = 'dashboard-browser-test-token'

const SKIP = !HAS_CHROMIUM && !ON_CI
const title = SKIP
  ? `the live dashboard in Chromium (skipped: ${CHROMIUM} not found; install the chromium package)`
  : 'the live dashboard in Chromium'
if (SKIP) console.warn(`dashboard browser test skipped: ${CHROMIUM} not found (apt-get install chromium)`)

/** A process record as `GET /processes` lists it (the fields read here). */
interface ProcessRow {
  processId: string
  attempts: number
  success?: boolean
  steps: { name: string }[]
}

describe.skipIf(SKIP)(title, () => {
  let browser: Browser
  const servers: RunningServer[] = []

  beforeAll(async () => {
    if (!HAS_CHROMIUM) throw new Error(`${CHROMIUM} is missing: CI must install Chromium (see .ci/run)`)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  }, 60_000)
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })
  afterAll(async () => {
    await browser?.close()
  })

  async function serve(env: Record<string, string>): Promise<RunningServer> {
    const server = await startServer({ port: 0, env })
    servers.push(server)
    return server
  }

  /** A page whose console errors and uncaught exceptions are collected in `problems`. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    return { page, problems }
  }

  async function api<T>(server: RunningServer, path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${server.url}/leadcall${path}`, init)
    expect(response.ok, `${path}: ${response.status}`).toBe(true)
    return (await response.json()) as T
  }

  async function submitLead(server: RunningServer, name: string, i: number): Promise<string> {
    const phone = `+39 347 ${String(1_234_500 + i * 7_919).padStart(7, '0')}`
    const body = await api<{ processId: string }>(server, '/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, phone, source: i % 2 === 0 ? 'website' : 'facebook' }),
    })
    return body.processId
  }

  const receivedInFeed = (page: Page) =>
    page.$$eval('#feed li[data-event="lead.received"]', (items) =>
      items.map((item) => item.getAttribute('data-process-id')).reverse(),
    )

  /** Counts the listeners added to the app from now on that are still registered. */
  function countListeners(server: RunningServer): () => number {
    let active = 0
    const on = server.app.on.bind(server.app)
    server.app.on = ((name, listener) => {
      active++
      const unsubscribe = on(name, listener)
      return () => {
        active--
        unsubscribe()
      }
    }) as typeof server.app.on
    return () => active
  }

  it('shows agents, leads and charts live, under the /leadcall base path', async () => {
    const server = await serve(QUICK_CALLS)
    const listeners = countListeners(server)
    const { page, problems } = await openPage()
    await page.goto(`${server.url}/leadcall/dashboard`)
    await expect.poll(() => page.textContent('#conn'), { timeout: LIVE_MS }).toBe('Live')

    const { agents } = await api<{ agents: { id: string }[] }>(server, '/agents')
    expect(agents.length).toBeGreaterThan(0)
    await expect
      .poll(() =>
        page.$$eval('#agents li.agent', (rows) => rows.map((row) => row.getAttribute('data-agent-id'))),
      )
      .toEqual(expect.arrayContaining(agents.map((agent) => agent.id)))
    expect(await page.$$eval('#agents li.agent', (rows) => rows.length)).toBe(agents.length)

    const names = [
      'Anna Verdi',
      'Paolo Neri',
      'Chiara Gallo',
      'Davide Costa',
      'Elena Fontana',
      'Franco Moretti',
      'Ilaria Greco',
      'Matteo Russo',
      'Sara Conti',
      'Luca Ferrari',
    ]
    const leads: { name: string; processId: string }[] = []
    for (const [i, name] of names.entries()) {
      leads.push({ name, processId: await submitLead(server, name, i) })
      await new Promise((resolve) => setTimeout(resolve, 150))
    }

    // Live in the event feed, in the order they were received.
    await expect
      .poll(() => receivedInFeed(page), { timeout: LIVE_MS })
      .toEqual(leads.map((lead) => lead.processId))

    // In the recent processes, with their names and masked phones.
    for (const lead of leads) {
      const row = page.locator(`#processes-body tr[data-process-id="${lead.processId}"]`)
      await row.waitFor({ timeout: LIVE_MS })
      const text = (await row.textContent()) ?? ''
      expect(text).toContain(lead.name)
      expect(text).toMatch(/\+39347\*+\d{3}/)
    }

    // Charts: a dot per dialed lead, a dot per ended call, bars of today's hours, leads per agent.
    let ended: ProcessRow[] = []
    await expect
      .poll(
        async () => {
          const { processes } = await api<{ processes: ProcessRow[] }>(server, '/processes?limit=100')
          ended = processes.filter((record) => record.attempts > 0 && typeof record.success === 'boolean')
          return ended.length
        },
        { timeout: LIVE_MS, interval: 500 },
      )
      .toBeGreaterThanOrEqual(5)
    await expect
      .poll(() => page.$$eval('#chart-success svg circle.point', (points) => points.length), {
        timeout: LIVE_MS,
      })
      .toBeGreaterThanOrEqual(ended.length)
    const { processes } = await api<{ processes: ProcessRow[] }>(server, '/processes?limit=100')
    const dialed = processes.filter((record) => record.steps.some((step) => step.name === 'dial'))
    await expect
      .poll(() => page.$$eval('#chart-speed svg circle.point', (points) => points.length), {
        timeout: LIVE_MS,
      })
      .toBeGreaterThanOrEqual(dialed.length)
    await expect
      .poll(() =>
        page.$$eval('#chart-hours svg rect.bar', (bars) =>
          bars.reduce((sum, bar) => sum + Number(bar.getAttribute('height')), 0),
        ),
      )
      .toBeGreaterThan(0)
    const stats = await api<{ today: { totalProcesses: number } }>(server, '/stats')
    expect(stats.today.totalProcesses).toBeGreaterThanOrEqual(leads.length)
    await expect.poll(() => page.textContent('#kpi-leads')).toBe(String(stats.today.totalProcesses))
    await expect
      .poll(() =>
        page.$$eval('#balance .bar-value', (values) =>
          values.reduce((sum, value) => sum + Number(value.textContent), 0),
        ),
      )
      .toBeGreaterThanOrEqual(dialed.length)

    await mkdir(fileURLToPath(SCREENSHOTS), { recursive: true })
    await page.screenshot({ path: fileURLToPath(new URL('dashboard.png', SCREENSHOTS)), fullPage: true })
    expect(problems).toEqual([])

    // Closing the page ends its event stream: the server drops its listeners.
    expect(listeners()).toBeGreaterThan(0)
    await page.close()
    await expect.poll(listeners, { timeout: LIVE_MS }).toBe(0)
  }, 90_000)

  it('asks for the token of a server whose management routes need one, then goes live', async () => {
    const server = await serve({ ...QUICK_CALLS, LEADCALL_ADMIN_TOKEN: TOKEN })
    const refused = await fetch(`${server.url}/leadcall/stats`)
    expect(refused.status).toBe(401)

    // Typed in the form the page shows when a request is refused.
    const typed = await openPage()
    await typed.page.goto(`${server.url}/leadcall/dashboard`)
    await typed.page.locator('#login').waitFor({ state: 'visible', timeout: LIVE_MS })
    expect(await typed.page.textContent('#alert')).toContain('Not authorized')
    await typed.page.fill('#token', TOKEN)
    await typed.page.click('#login button')
    await expect.poll(() => typed.page.textContent('#conn'), { timeout: LIVE_MS }).toBe('Live')
    expect(await typed.page.isHidden('#login')).toBe(true)
    await expect.poll(() => typed.page.$$eval('#agents li.agent', (rows) => rows.length)).toBeGreaterThan(0)

    // Given in the address's fragment, which the page then removes.
    const linked = await openPage()
    await linked.page.goto(`${server.url}/leadcall/dashboard#token=${TOKEN}`)
    await expect.poll(() => linked.page.textContent('#conn'), { timeout: LIVE_MS }).toBe('Live')
    expect(new URL(linked.page.url()).hash).toBe('')
    expect(await linked.page.isHidden('#login')).toBe(true)
    expect(linked.problems).toEqual([])

    // Both follow the event stream read through fetch, with the token.
    const processId = await submitLead(server, 'Nadia Sala', 0)
    for (const page of [typed.page, linked.page]) {
      await expect.poll(() => receivedInFeed(page), { timeout: LIVE_MS }).toContain(processId)
      await page.locator(`#processes-body tr[data-process-id="${processId}"]`).waitFor({ timeout: LIVE_MS })
      await page.close()
    }
  }, 90_000)
})
