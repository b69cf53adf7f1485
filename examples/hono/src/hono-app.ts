/**
 * The Hono application: the site's own routes, and leadcall mounted under its base path.
 *
 * @module
 */
import { LeadCallError } from '@leadcall/core'
import type { ConfiguredApp } from '@leadcall/example-config'
import { Hono } from 'hono'
import { mount } from 'hono/mount'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * Builds the Hono app around a configured leadcall app:
 *
 * - `GET /`: what this server is, and where leadcall is;
 * - `POST /contact-form`: the site's own form (JSON, URL-encoded or multipart), which calls
 *   `app.submitLead()` directly — 200 when an agent is being called, 202 when the lead waits in
 *   the queue, the `LeadCallError`'s status and JSON when it is refused;
 * - leadcall's routes under `config.basePath` (`/leadcall/leads`, `/leadcall/health`,
 *   `/leadcall/dashboard`, …) with `mount()`, which strips the prefix and hands the Web
 *   `Request` to leadcall's handler as it is. (`mount` from `hono/mount` is what Hono 4 offers in
 *   place of the deprecated `app.mount(path, handler)`; both do the same.)
 *
 * The site's routes are registered first, so a base path of `/` leaves them reachable.
 */
export function createHonoApp({ app, handler, config }: ConfiguredApp): Hono {
  const web = new Hono()

  web.get('/', (c) =>
    c.json({
      name: 'leadcall Hono example',
      leadcall: `${config.basePath}/`,
      routes: [
        `POST ${config.basePath}/leads`,
        `GET ${config.basePath}/health`,
        `GET ${config.basePath}/stats`,
        'POST /contact-form',
      ],
    }),
  )

  web.post('/contact-form', async (c) => {
    const isJson = (c.req.header('content-type') ?? '').includes('application/json')
    const form = (isJson ? await c.req.json().catch(() => ({})) : await c.req.parseBody()) as Record<
      string,
      unknown
    >
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
    try {
      const result = await app.submitLead({
        name: text(form.name),
        phone: text(form.phone),
        email: text(form.email),
        source: 'contact form',
      })
      return c.json(
        {
          processId: result.processId,
          status: result.status,
          agent: result.agent?.name ?? null,
          ...(result.queuePosition === undefined ? {} : { queuePosition: result.queuePosition }),
        },
        result.status === 'queued' ? 202 : 200,
      )
    } catch (error) {
      if (!LeadCallError.isInstance(error)) throw error
      return c.json(error.toJSON(), error.status as ContentfulStatusCode)
    }
  })

  web.all(`${config.basePath}/*`, mount(handler))
  return web
}
