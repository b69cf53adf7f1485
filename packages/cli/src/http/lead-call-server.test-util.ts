import { createHttpHandler, createLeadCall, type LeadCallApp, simulatedTelephony } from '@leadcall/core'
import { serveHandler, type TestServer } from './serve-handler.test-util.js'

/** A leadcall app served over HTTP for tests: two agents, short simulated calls, a token. */
export interface LeadCallTestServer extends TestServer {
  /** The app behind the handler. */
  app: LeadCallApp
}

/** The token {@link startLeadCallServer}'s management routes take. */
export const TEST_TOKEN = 'test-token-0123'

/** Serves `createHttpHandler(app)` with a bearer-token `authorize`, options passed on. */
export async function startLeadCallServer(
  options: Parameters<typeof createHttpHandler>[1] = {},
): Promise<LeadCallTestServer> {
  const app = createLeadCall({
    telephony: simulatedTelephony({ seed: 1, ringMs: 20, talkMs: 20 }),
    compliance: { callingHours: false },
  })
  await app.agents.upsert({ id: 'ada', name: 'Ada Park', status: 'available' })
  await app.agents.upsert({ id: 'ben', name: 'Ben Okoro', status: 'available' })
  const handler = createHttpHandler(app, {
    authorize: (request) => request.headers.get('authorization') === `Bearer ${TEST_TOKEN}`,
    ...options,
  })
  const server = await serveHandler(handler)
  return {
    ...server,
    app,
    async close() {
      await server.close()
      await app.close()
    },
  }
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = await serveHandler(async () => new Response(null))
  const port = Number(new URL(server.url).port)
  await server.close()
  return port
}
