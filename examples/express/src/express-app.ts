/**
 * The Express application: the site's own routes, and leadcall mounted under its base path.
 *
 * @module
 */
import { getRequestListener } from '@hono/node-server'
import { LeadCallError } from '@leadcall/core'
import type { ConfiguredApp } from '@leadcall/example-config'
import express, { type Express } from 'express'

/**
 * Builds the Express app around a configured leadcall app:
 *
 * - `GET /`: what this server is, and where leadcall is;
 * - `POST /contact-form`: the site's own form (JSON or URL-encoded), which calls
 *   `app.submitLead()` directly — 200 when an agent is being called, 202 when the lead waits in
 *   the queue, the `LeadCallError`'s status and JSON when it is refused;
 * - leadcall's routes under `config.basePath` (`/leadcall/leads`, `/leadcall/health`, …), through
 *   `@hono/node-server`'s `getRequestListener`: Express strips the mount path and the listener
 *   turns the Node request into a Web `Request` for leadcall's handler, streaming the body.
 *
 * leadcall reads the raw body itself (size limits, webhook signatures), so no body parser runs in
 * front of it: the parsers are scoped to the site's own route. The site's routes come first, so a
 * base path of `/` leaves them reachable.
 */
export function createExpressApp({ app, handler, config }: ConfiguredApp): Express {
  const web = express()
  web.disable('x-powered-by')

  web.get('/', (_request, response) => {
    response.json({
      name: 'leadcall Express example',
      leadcall: `${config.basePath}/`,
      routes: [
        `POST ${config.basePath}/leads`,
        `GET ${config.basePath}/health`,
        `GET ${config.basePath}/stats`,
        'POST /contact-form',
      ],
    })
  })

  web.post(
    '/contact-form',
    express.json({ limit: '16kb' }),
    express.urlencoded({ extended: false, limit: '16kb' }),
    async (request, response) => {
      const form = (request.body ?? {}) as Record<string, unknown>
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
      try {
        const result = await app.submitLead({
          name: text(form.name),
          phone: text(form.phone),
          email: text(form.email),
          source: 'contact form',
        })
        response.status(result.status === 'queued' ? 202 : 200).json({
          processId: result.processId,
          status: result.status,
          agent: result.agent?.name ?? null,
          ...(result.queuePosition === undefined ? {} : { queuePosition: result.queuePosition }),
        })
      } catch (error) {
        if (!LeadCallError.isInstance(error)) throw error
        response.status(error.status).json(error.toJSON())
      }
    },
  )

  web.use(config.basePath || '/', getRequestListener(handler))
  return web
}
