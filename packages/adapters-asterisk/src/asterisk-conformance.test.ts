import { Buffer } from 'node:buffer'
import {
  type TelephonyMockBackend,
  type TelephonyOutcome,
  telephonyConformance,
} from '@leadcall/core/testing'
import { type AriServer, startAriServer } from './ari-server.test-util.js'
import { agentChannelOf, asterisk, leadChannelOf } from './asterisk-provider.js'

// Every telephony adapter runs the same kit. Asterisk's vendor is a local ARI (node:http + ws on
// 127.0.0.1); events arrive over the WebSocket the provider opened, as the far end plays them.

const USERNAME = 'leadcall'
const PASSWORD = 'ari-secret-4f9c2e7d'

let server: AriServer | undefined
const ari = (): AriServer => {
  if (!server) throw new Error('the local ARI is not started')
  return server
}

/** The Q.850 cause each unanswered outcome ends the lead's leg with. */
const CAUSE: Record<Exclude<TelephonyOutcome, 'answered'>, number> = {
  no_answer: 19,
  busy: 17,
  failed: 34,
}

const VENDOR_STATUSES = {
  online: 'available',
  'online, channel_ids non-empty': 'on_call',
  offline: 'offline',
  unknown: 'offline',
} as const

const backend: TelephonyMockBackend = {
  secrets: [PASSWORD, `${USERNAME}:${PASSWORD}`, Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')],
  delivery: {
    kind: 'socket',
    async emit(outcome, call, { repeat }) {
      const server = ari()
      const callId = call.result.providerCallId ?? ''
      const agent = agentChannelOf(callId)
      const lead = leadChannelOf(callId)
      // The agent's phone rings and is answered; the adapter then bridges it and dials the lead.
      await server.waitFor(() => server.channels.has(agent))
      server.created(agent, repeat)
      server.ring(agent, repeat)
      server.answer(agent, repeat)
      await server.waitFor(() => server.channels.has(lead))
      server.created(lead, repeat)
      server.ring(lead, repeat)
      if (outcome === 'answered') {
        server.answer(lead, repeat)
        server.remoteHangup(lead, 16, { repeat })
      } else {
        server.remoteHangup(lead, CAUSE[outcome], { repeat })
      }
    },
  },
  agentRef: 'PJSIP/1001',
  failures: [
    {
      name: '400 invalid endpoint (POST /channels)',
      expectedCode: 'VALIDATION_FAILED',
      arrange: () => ari().failNext('POST', /^\/channels\//, 400, 'Invalid endpoint specified'),
    },
    {
      name: '401 wrong ARI credentials',
      expectedCode: 'CALL_FAILED',
      arrange: () => ari().rejectAuth(),
    },
    {
      name: '403 read-only ARI user',
      expectedCode: 'CALL_FAILED',
      arrange: () => ari().readOnly(),
    },
    {
      name: '404 from originate',
      expectedCode: 'AGENT_NOT_AVAILABLE',
      arrange: () => ari().failNext('POST', /^\/channels\//, 404, 'Endpoint not found'),
    },
    {
      name: '422 from originate',
      expectedCode: 'VALIDATION_FAILED',
      arrange: () => ari().failNext('POST', /^\/channels\//, 422, 'Unprocessable'),
    },
    {
      name: '500 allocation failed, echoing the Authorization header',
      expectedCode: 'CALL_FAILED',
      arrange: () =>
        ari().failNext(
          'POST',
          /^\/channels\//,
          500,
          (request) => `Allocation failed (${request.headers.authorization ?? ''})`,
        ),
    },
    {
      name: '503 Asterisk not fully booted',
      expectedCode: 'CALL_FAILED',
      arrange: () => ari().failNext('POST', /^\/channels\//, 503, 'Asterisk not booted'),
    },
  ],
  hang: () => ari().hang(),
  pendingRequests: () => ari().pendingRequests(),
  dials: () =>
    ari()
      .originates('agent')
      .map((request) => ({
        agent: request.query.get('endpoint') ?? '',
        lead: String((request.body?.variables as Record<string, unknown> | undefined)?.LEADCALL_LEAD_NUMBER),
        raw: request,
      })),
  presence: {
    statuses: VENDOR_STATUSES,
    arrange: (agents) =>
      ari().setEndpoints(
        agents.map(({ providerAgentId, vendorStatus }) => ({
          technology: 'PJSIP',
          resource: providerAgentId,
          state: vendorStatus.split(',')[0] as 'online' | 'offline' | 'unknown',
          channel_ids: vendorStatus.includes('channel_ids') ? ['1768489200.7'] : [],
        })),
      ),
  },
  async setup() {
    server = await startAriServer({ username: USERNAME, password: PASSWORD, autoEvents: false })
  },
  reset: () => server?.reset(),
  teardown: () => server?.close(),
}

telephonyConformance(
  'asterisk',
  (context) =>
    asterisk({
      url: ari().url,
      username: USERNAME,
      password: PASSWORD,
      app: 'leadcall',
      endpoints: { agent: 'PJSIP/{ext}', lead: 'PJSIP/{number}@trunk' },
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      timeoutMs: context.requestTimeoutMs,
    }),
  backend,
)
