import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { dashboardCsp } from './dashboard-routes.js'
import { DASHBOARD_SCRIPT } from './dashboard-script.js'
import { request, testApp } from './http.test-util.js'
import { createHttpHandler, type HttpHandler } from './http-handler.js'
import type { HttpHandlerOptions } from './http-options.js'

const apps: LeadCallApp[] = []
function handlerOf(options: HttpHandlerOptions = {}): HttpHandler {
  const app = testApp()
  apps.push(app)
  return createHttpHandler(app, options)
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

/** The nonce of the CSP's `script-src`. */
function nonceOf(response: Response): string {
  const csp = response.headers.get('content-security-policy') ?? ''
  const match = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)
  if (!match?.[1]) throw new Error(`no script nonce in ${csp}`)
  return match[1]
}

describe('GET /dashboard', () => {
  it('serves the page as HTML under the base path', async () => {
    const handler = handlerOf({ basePath: '/api/leadcall' })
    const response = await handler(request('/api/leadcall/dashboard'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await response.text()
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<title>leadcall · live dashboard</title>')
    expect((await handler(request('/dashboard'))).status).toBe(404)
  })

  it('sends a strict Content-Security-Policy whose fresh nonce is the one of the inline script and style', async () => {
    const handler = handlerOf()
    const first = await handler(request('/dashboard'))
    const second = await handler(request('/dashboard'))
    const nonce = nonceOf(first)
    expect(nonceOf(second)).not.toBe(nonce)
    expect(first.headers.get('content-security-policy')).toBe(dashboardCsp(nonce))
    expect(dashboardCsp(nonce)).toContain("default-src 'none'")
    expect(dashboardCsp(nonce)).toContain("connect-src 'self'")
    expect(dashboardCsp(nonce)).toContain("frame-ancestors 'none'")
    expect(first.headers.get('x-frame-options')).toBe('DENY')
    const html = await first.text()
    expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script nonce="${nonce}">`])
    expect(html.match(/<style\b[^>]*>/g)).toEqual([`<style nonce="${nonce}">`])
  })

  it('needs nothing from elsewhere: no external URL, no inline handler or style attribute', async () => {
    const html = await (await handlerOf()(request('/dashboard'))).text()
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i)
    expect(html).not.toMatch(/\bsrc\s*=/i)
    const css = /<style[^>]*>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? ''
    expect(css).toContain('.chart-svg')
    expect(css).not.toMatch(/@import|\burl\(/i)
    expect(html).not.toMatch(/<[^>]+\son[a-z]+\s*=/i)
    expect(html).not.toMatch(/<[^>]+\sstyle\s*=/i)
  })

  it('inlines a script that parses and reads the routes next to the page through relative URLs', () => {
    expect(() => new Function(DASHBOARD_SCRIPT)).not.toThrow()
    expect(DASHBOARD_SCRIPT).not.toMatch(/<\/script/i)
    expect(DASHBOARD_SCRIPT).not.toMatch(/\bfetch\(\s*['"]\//)
    for (const path of ["'events'", "'agents'", "'stats'", "'queue?limit=50'", "'processes?limit=100'"])
      expect(DASHBOARD_SCRIPT).toContain(path)
  })

  it('is served without authorize, while every route it reads goes through it', async () => {
    const handler = handlerOf({ authorize: (r) => r.headers.get('authorization') === 'Bearer t0ken' })
    expect((await handler(request('/dashboard'))).status).toBe(200)
    const reads = [
      'events',
      'stats',
      'agents',
      'queue?limit=50',
      'processes?limit=100',
      'analytics?groupBy=hour',
    ]
    for (const path of reads) {
      expect(DASHBOARD_SCRIPT).toContain(`'${path.split('?')[0]}`)
      expect((await handler(request(`/${path}`))).status, path).toBe(401)
      const allowed = await handler(request(`/${path}`, { headers: { authorization: 'Bearer t0ken' } }))
      expect(allowed.status, path).toBe(200)
      await allowed.body?.cancel()
    }
  })

  it('is not served with dashboard: false, while GET /events still is', async () => {
    const handler = handlerOf({ dashboard: false })
    expect((await handler(request('/dashboard'))).status).toBe(404)
    const events = await handler(request('/events'))
    expect(events.status).toBe(200)
    await events.body?.cancel()
  })
})
