/**
 * Provider webhooks: `POST /webhooks/:provider`. The provider's parser (supplied by its adapter)
 * verifies the request and turns it into call events; the handler applies each one.
 *
 * @module
 */
import { readBytes } from './body.js'
import { jsonResponse, notFound } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'

/**
 * `POST /webhooks/:provider`: 404 for a provider without a parser. The body is read within
 * `maxBodyBytes` first and handed to the parser in a copy of the request (same URL, method and
 * headers, so URL-based signatures such as Twilio's still verify). Answers how many events the
 * request held and how many changed a call.
 */
async function postWebhook({ app, options, request, params }: RouteContext): Promise<Response> {
  const provider = params.provider ?? ''
  const parse = options.webhooks.get(provider)
  if (!parse) throw notFound(`No webhook parser for provider "${provider}"`)
  const body = await readBytes(request, options.maxBodyBytes)
  const copy = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: body.byteLength > 0 ? body : null,
  })
  const events = await parse(copy)
  let applied = 0
  for (const event of events) {
    if ((await app.handleCallEvent(event)).applied) applied++
  }
  return jsonResponse({ received: events.length, applied })
}

/** The provider webhook route. */
export const webhooksRoutes: readonly HttpRoute[] = [
  { method: 'POST', path: '/webhooks/:provider', management: false, handle: postWebhook },
]
