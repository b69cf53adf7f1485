/**
 * `GET /dashboard`: the live dashboard, one self-contained HTML page (inline CSS and script, no
 * external asset, so it works offline and behind any base path).
 *
 * The page holds no data: it reads the management routes next to it through relative URLs
 * (`./events`, `./stats`, `./analytics`, `./agents`, `./queue`, `./processes`), so it works
 * wherever the handler is mounted, and each of those goes through `authorize`. The page itself is
 * therefore served without `authorize`, so that every kind of credential can reach it:
 *
 * - what the browser sends by itself (cookies, HTTP Basic credentials, a proxy's session) is sent
 *   with every request the page makes;
 * - a Bearer token, for an `authorize` that checks `Authorization: Bearer …`: open
 *   `<base>/dashboard#token=<token>` (the fragment never leaves the browser) or type the token in
 *   the form the page shows when a request is refused. It is kept in the tab's `sessionStorage`,
 *   sent with every request, and the event stream is then read with `fetch` (an `EventSource`
 *   cannot send that header).
 *
 * Turn the page off with the handler's `dashboard: false`.
 *
 * The page is sent with a strict Content-Security-Policy: nothing loads from anywhere but the
 * page itself (`default-src 'none'`), its one script and one style sheet run only because they
 * carry a fresh nonce of each response, requests go only to the same origin (`connect-src
 * 'self'`), and the page cannot be framed (`frame-ancestors 'none'`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { dashboardPage } from './dashboard-page.js'
import type { HttpRoute } from './http-options.js'

/** The Content-Security-Policy of the dashboard page whose script and style carry `nonce`. */
export function dashboardCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** `GET /dashboard`: the page, with a nonce of its own. */
async function getDashboard(): Promise<Response> {
  const nonce = randomBytes(18).toString('base64')
  return new Response(dashboardPage(nonce), {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': dashboardCsp(nonce),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  })
}

/** The dashboard route: the page is open, everything it reads goes through `authorize`. */
export const dashboardRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/dashboard', management: false, handle: getDashboard },
]
