/**
 * Keeps `docs/http-routes.md` honest: every route `createHttpHandler` registers has a
 * `### METHOD /path` section there that says whether it goes through `authorize`, and every such
 * heading names a route the handler really serves.
 *
 * The registered routes are read from the route arrays `createHttpHandler` spreads (found in
 * `http-handler.ts` itself, so an array added there is checked too), and each one is also asked of
 * a real handler.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'
import type { HttpRoute } from './http-options.js'

const here = dirname(fileURLToPath(import.meta.url))
const DOC = resolve(here, '../../../../docs/http-routes.md')
const HANDLER_SOURCE = resolve(here, 'http-handler.ts')

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const

/** One `### METHOD /path` section of the doc. */
interface DocRoute {
  method: string
  path: string
  /** The section's text, up to the next heading. */
  body: string
}

/** The `## `–`#### ` headings of the form `METHOD /path`, with their sections. */
function documentedRoutes(markdown: string): DocRoute[] {
  const lines = markdown.split('\n')
  const routes: DocRoute[] = []
  let current: DocRoute | undefined
  let inFence = false
  for (const line of lines) {
    if (line.startsWith('```')) inFence = !inFence
    if (!inFence && /^#{1,6} /.test(line)) {
      const match = /^#{2,4} (GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\/\S*)\s*$/.exec(line)
      current = match ? { method: match[1]!, path: match[2]!, body: '' } : undefined
      if (current) routes.push(current)
      continue
    }
    if (current) current.body += `${line}\n`
  }
  return routes
}

/**
 * The routes `createHttpHandler` registers: the arrays spread into its `routes` list, imported from
 * the modules `http-handler.ts` imports them from. Fails when that list holds anything else, so a
 * route added another way cannot slip past this test.
 */
async function registeredRoutes(): Promise<HttpRoute[]> {
  const source = readFileSync(HANDLER_SOURCE, 'utf8')
  const block = /const routes: HttpRoute\[\] = \[([\s\S]*?)\n {2}\]/.exec(source)?.[1]
  if (block === undefined)
    throw new Error('http-handler.ts: the `const routes: HttpRoute[] = [...]` list was not found')
  const spread = /\.\.\.(?:\(\s*resolved\.\w+\s*\?\s*)?(\w+Routes)(?:\s*:\s*\[\]\s*\))?\s*,?/g
  const names = [...block.matchAll(spread)].map((match) => match[1]!)
  const rest = block
    .replace(spread, '')
    .replace(/\/\/.*$/gm, '')
    .trim()
  if (rest !== '') throw new Error(`http-handler.ts: unexpected entries in the route list: ${rest}`)
  if (names.length === 0) throw new Error('http-handler.ts: no route arrays found in the route list')

  const routes: HttpRoute[] = []
  for (const name of names) {
    const from = new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from '(\\./[\\w-]+\\.js)'`).exec(
      source,
    )?.[1]
    if (from === undefined) throw new Error(`http-handler.ts: where ${name} comes from was not found`)
    const module = (await import(from)) as Record<string, unknown>
    const array = module[name]
    if (!Array.isArray(array)) throw new Error(`${from} does not export the array ${name}`)
    routes.push(...(array as HttpRoute[]))
  }
  return routes
}

/** A concrete path for a route pattern: parameters replaced by sample values. */
function samplePath(pattern: string): string {
  const samples: Record<string, string> = {
    id: 'sample-id',
    processId: 'sample-process',
    phone: '%2B34612345678',
    provider: 'sample-provider',
  }
  return pattern.replace(/:(\w+)/g, (_, name: string) => samples[name] ?? 'sample')
}

const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`

describe('docs/http-routes.md', () => {
  const markdown = readFileSync(DOC, 'utf8')
  const documented = documentedRoutes(markdown)
  const app = testApp()
  // Every route on: metrics and the dashboard are served by default.
  const handler = createHttpHandler(app, { basePath: '/leadcall' })
  afterAll(() => app.close())

  it('has a section for every route the handler registers, saying whether it is a management route', async () => {
    const registered = await registeredRoutes()
    expect(registered.length).toBeGreaterThan(0)
    const byKey = new Map(documented.map((route) => [key(route), route]))
    const missing = registered.filter((route) => !byKey.has(key(route))).map(key)
    expect(missing, 'routes without a "### METHOD /path" section in docs/http-routes.md').toEqual([])
    for (const route of registered) {
      const body = byKey.get(key(route))!.body
      const marker = route.management ? '**Management route.**' : '**Open route.**'
      expect(body, `${key(route)}: its section should say ${marker}`).toContain(marker)
    }
  })

  it('names only real routes in its headings, each once', async () => {
    const registered = new Set((await registeredRoutes()).map(key))
    expect(documented.length).toBeGreaterThan(0)
    const unknown = documented.filter((route) => !registered.has(key(route))).map(key)
    expect(unknown, 'headings of docs/http-routes.md that are not routes of createHttpHandler').toEqual([])
    const keys = documented.map(key)
    expect(new Set(keys).size, 'a route documented twice').toBe(keys.length)
  })

  it('documents routes the handler really serves under its base path', async () => {
    for (const route of documented) {
      expect(METHODS as readonly string[]).toContain(route.method)
      const controller = new AbortController()
      const response = await handler(
        new Request(`http://localhost/leadcall${samplePath(route.path)}`, {
          method: route.method,
          signal: controller.signal,
        }),
      )
      const reason =
        response.status === 404 || response.status === 405
          ? ((await response.json()) as { error: { message: string; details?: { reason?: string } } }).error
          : undefined
      controller.abort()
      await response.body?.cancel().catch(() => {})
      expect(response.status, `${key(route)} is not served`).not.toBe(405)
      expect(reason?.message ?? '', `${key(route)} is not served`).not.toMatch(/^No route for /)
    }
  })
})
