/**
 * The test suite every host example (Express, Hono) runs against its own `startServer` and
 * `src/main.ts`: one suite, so the hosts are held to the same behaviour.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { LeadCallApp } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

/** What a host example's `startServer` resolves with. */
export interface HostServer {
  url: string
  app: LeadCallApp
  close(): Promise<void>
}

/** How the suite reaches one host example. */
export interface HostExample {
  /** The name it prints, e.g. `Express` (`leadcall Express example on …`). */
  name: string
  /** The example's `startServer`. */
  startServer(options: { env?: Record<string, string | undefined> }): Promise<HostServer>
  /** The example's folder, where `src/main.ts` is started as its `start` script does. */
  root: string
  /** Checks the host's own answer to a path outside leadcall's base path (a 404 of the host's making). */
  expectHostNotFound(response: Response): Promise<void>
}

const TOKEN = 'an-admin-token-of-some-length'
const auth = { authorization: `Bearer ${TOKEN}` }

/** Runs the shared suite of host examples. */
export function hostExampleSuite(host: HostExample): void {
  let server: HostServer

  beforeAll(async () => {
    server = await host.startServer({
      env: {
        LEADCALL_LOG_LEVEL: 'silent',
        LEADCALL_ADMIN_TOKEN: TOKEN,
        // Calls at any hour, so that what the tests expect does not depend on when they run.
        LEADCALL_CALLING_HOURS: 'off',
        LEADCALL_SIMULATOR_SEED: '11',
      },
    })
  })
  afterAll(() => server.close())

  function postJson(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  }

  describe(`the ${host.name} example`, () => {
    it('listens on a free port of the loopback', () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(server.url).not.toMatch(/:0$/)
    })

    it('takes a lead under /leadcall and calls an agent', async () => {
      const response = await postJson('/leadcall/leads', { name: 'John Carter', phone: '(415) 555-2671' })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { processId: string; status: string; selectedAgent: unknown }
      expect(body).toMatchObject({
        success: true,
        status: 'dialing',
        selectedAgent: { id: expect.any(String) },
      })
      expect(await server.app.process(body.processId)).toMatchObject({ processId: body.processId })
    })

    it('answers the stats to the admin token only', async () => {
      const refused = await fetch(`${server.url}/leadcall/stats`)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE', status: 401 } })
      const stats = await fetch(`${server.url}/leadcall/stats`, { headers: auth })
      expect(stats.status).toBe(200)
      expect(await stats.json()).toMatchObject({
        agentsTotal: 4,
        today: { totalProcesses: expect.any(Number) },
      })
    })

    it('refuses a malformed body and a lead without a phone with 400 and a code', async () => {
      const malformed = await postJson('/leadcall/leads', '{"name": "John"')
      expect(malformed.status).toBe(400)
      expect(await malformed.json()).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: { reason: 'MALFORMED_JSON' } },
      })
      const noPhone = await postJson('/leadcall/leads', { name: 'No Phone' })
      expect(noPhone.status).toBe(400)
      expect(await noPhone.json()).toMatchObject({ error: { code: 'MISSING_PHONE' } })
    })

    it('serves its own routes beside leadcall', async () => {
      const index = await fetch(`${server.url}/`)
      expect(index.status).toBe(200)
      expect(await index.json()).toMatchObject({
        name: `leadcall ${host.name} example`,
        leadcall: '/leadcall/',
      })

      const form = await fetch(`${server.url}/contact-form`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'Ann Lee', phone: '+1 212 555 0187', email: 'ann@example.com' }),
      })
      expect(form.status).toBe(200)
      const lead = (await form.json()) as { processId: string; status: string; agent: string }
      expect(lead).toMatchObject({ status: 'dialing', agent: expect.any(String) })
      // The form went through the same app: its process is in the same store, seen over HTTP.
      const process = await fetch(`${server.url}/leadcall/processes/${lead.processId}`, { headers: auth })
      expect(process.status).toBe(200)

      const invalid = await postJson('/contact-form', { name: 'Typo', phone: '555-12' })
      expect(invalid.status).toBe(400)
      expect(await invalid.json()).toMatchObject({ error: { code: 'INVALID_PHONE' } })
    })

    it(`leaves paths outside /leadcall to ${host.name}`, async () => {
      const response = await fetch(`${server.url}/leads`, { method: 'POST' })
      expect(response.status).toBe(404)
      await host.expectHostNotFound(response)
    })
  })

  describe('startServer', () => {
    it('mounts leadcall at the root with LEADCALL_BASE_PATH=/, the own routes still first, and closes', async () => {
      const root = await host.startServer({ env: { LEADCALL_LOG_LEVEL: 'silent', LEADCALL_BASE_PATH: '/' } })
      try {
        expect(await (await fetch(`${root.url}/`)).json()).toMatchObject({
          name: `leadcall ${host.name} example`,
        })
        const health = await fetch(`${root.url}/health`)
        expect(health.status).toBe(200)
        expect(await health.json()).toMatchObject({ status: 'ok', telephony: { provider: 'simulator' } })
      } finally {
        await root.close()
      }
      await expect(fetch(`${root.url}/health`)).rejects.toThrow()
    })

    it('refuses to start on a bad environment, naming every problem', async () => {
      const error = await host
        .startServer({ env: { LEADCALL_STORAGE: 'redis', LEADCALL_ADMIN_TOKEN: 'short' } })
        .then(
          () => undefined,
          (reason: unknown) => reason as Error,
        )
      expect(error?.message).toContain('- REDIS_URL: Required with LEADCALL_STORAGE=redis')
      expect(error?.message).toContain('- LEADCALL_ADMIN_TOKEN: Expected at least 16 characters')
    })
  })

  describe('src/main.ts', () => {
    const running: ChildProcess[] = []
    afterEach(() => {
      for (const child of running.splice(0)) child.kill('SIGKILL')
    })

    /** Runs `src/main.ts` as the `start` script does, with `env` on top of a clean environment. */
    function start(env: Record<string, string>) {
      const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', 'src/main.ts'], {
        cwd: host.root,
        env: { PATH: process.env.PATH ?? '', LEADCALL_LOG_LEVEL: 'silent', ...env },
      })
      running.push(child)
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      return { child, exit, output: () => ({ stdout, stderr }) }
    }

    it('starts with no variables, prints where it listens, and stops on SIGTERM', async () => {
      const main = start({ LEADCALL_PORT: '0' })
      await expect.poll(() => main.output().stdout, { timeout: 20_000 }).toMatch(/on (http:\/\/\S+) /)
      const url = /on (http:\/\/\S+) /.exec(main.output().stdout)?.[1]
      expect(main.output().stdout).toContain(
        `leadcall ${host.name} example on ${url} (storage memory, telephony simulator)`,
      )
      const health = await fetch(`${url}/leadcall/health`)
      expect(health.status).toBe(200)
      main.child.kill('SIGTERM')
      expect(await main.exit).toBe(0)
    }, 30_000)

    it('exits with 1 and every problem of a bad environment', async () => {
      const main = start({ LEADCALL_PORT: 'eighty', LEADCALL_STORAGE: 'postgres' })
      expect(await main.exit).toBe(1)
      const { stderr } = main.output()
      expect(stderr).toContain('Invalid environment (2 problems):')
      expect(stderr).toContain('- LEADCALL_PORT: Expected a whole number from 0 to 65535')
      expect(stderr).toContain('- DATABASE_URL: Required with LEADCALL_STORAGE=postgres')
    }, 30_000)
  })
}
