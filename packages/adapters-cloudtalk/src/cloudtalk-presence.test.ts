import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cloudtalkMock, errorEnvelope } from './cloudtalk-mock.test-util.js'
import { mapCloudTalkPresence } from './cloudtalk-presence.js'
import { cloudtalk } from './cloudtalk-provider.js'
import { createCloudTalkRateLimiter } from './cloudtalk-rate-limiter.js'

describe('mapCloudTalkPresence', () => {
  it.each([
    [{ availability_status: 'online' }, 'available'],
    [{ availability_status: 'online', is_daily_limit_ok: true, status_outbound: true }, 'available'],
    [{ availability_status: 'online', is_daily_limit_ok: false }, 'away'],
    [{ availability_status: 'online', status_outbound: false }, 'away'],
    [{ availability_status: ' ONLINE ' }, 'available'],
    [{ availability_status: 'calling' }, 'on_call'],
    [{ availability_status: 'calling', is_daily_limit_ok: false }, 'on_call'],
    [{ availability_status: 'paused' }, 'away'],
    [{ availability_status: 'offline' }, 'offline'],
    [{ availability_status: 'ringing' }, 'offline'],
    [{ availability_status: null }, 'offline'],
    [{}, 'offline'],
  ] as const)('%j → %s', (agent, status) => {
    expect(mapCloudTalkPresence(agent)).toBe(status)
  })
})

describe('listAgentPresence', () => {
  const mock = cloudtalkMock()
  beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mock.reset())
  afterAll(() => mock.server.close())

  it('reads GET /agents/index.json with the largest page', async () => {
    mock.setAgents([mock.agent({ id: '1' }), mock.agent({ id: '2', availability_status: 'calling' })])
    const reports = await cloudtalk(mock.options).listAgentPresence()
    expect(reports).toEqual([
      { providerAgentId: '1', status: 'available' },
      { providerAgentId: '2', status: 'on_call' },
    ])
    expect(mock.received[0]?.query.get('limit')).toBe('1000')
  })

  it('reads every page', async () => {
    mock.setAgents(Array.from({ length: 1500 }, (_, i) => mock.agent({ id: String(i + 1) })))
    const reports = await cloudtalk(mock.options).listAgentPresence()
    expect(reports).toHaveLength(1500)
    expect(mock.received.map((r) => r.query.get('page'))).toEqual(['1', '2'])
  })

  it('serves a snapshot from the cache within presenceCacheMs', async () => {
    const provider = cloudtalk({ ...mock.options, presenceCacheMs: 60_000 })
    const first = await provider.listAgentPresence()
    mock.setAgents([mock.agent({ availability_status: 'paused' })])
    const second = await provider.listAgentPresence()
    expect(second).toEqual(first)
    expect(mock.received).toHaveLength(1)
    // Callers get copies: changing one does not change the cache.
    second[0]!.status = 'offline'
    expect((await provider.listAgentPresence())[0]?.status).toBe('available')
  })

  it('asks again once the cache is stale', async () => {
    const provider = cloudtalk({ ...mock.options, presenceCacheMs: 0 })
    await provider.listAgentPresence()
    mock.setAgents([mock.agent({ availability_status: 'paused' })])
    expect(await provider.listAgentPresence()).toEqual([{ providerAgentId: '1234', status: 'away' }])
    expect(mock.received).toHaveLength(2)
  })

  it('answers from a recent snapshot instead of waiting when the budget is kept for dials', async () => {
    const rateLimiter = createCloudTalkRateLimiter({ limit: 3, reservedForDials: 2 })
    const provider = cloudtalk({ ...mock.options, presenceCacheMs: 0, rateLimiter })
    await provider.listAgentPresence()
    // One slot used, two left: both kept for dials.
    mock.setAgents([mock.agent({ availability_status: 'offline' })])
    expect(await provider.listAgentPresence()).toEqual([{ providerAgentId: '1234', status: 'available' }])
    expect(mock.received).toHaveLength(1)
  })

  it('fails without a snapshot to fall back on', async () => {
    mock.fail('GET /agents/index.json', 403, errorEnvelope(403, 'Forbidden'))
    await expect(cloudtalk(mock.options).listAgentPresence()).rejects.toMatchObject({ code: 'CALL_FAILED' })
  })
})
