import { describe, expect, it, vi } from 'vitest'
import { isLeadCallError, LeadCallError } from '../errors/lead-call-error.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { createLeadCall } from './create-lead-call.js'

describe('createLeadCall configuration', () => {
  it('works with no configuration at all (memory storage, US numbers, tenant "default")', () => {
    const app = createLeadCall()
    expect(app.tenant).toBe('default')
    expect(app.storage.name).toBe('memory')
    expect(app.config.phone.defaultCountry).toBe('US')
    expect(app.config.privacy.maskPii).toBe(true)
  })

  it('reports every problem at once, readably', () => {
    let caught: unknown
    try {
      createLeadCall({
        storage: { not: 'a storage' } as never,
        tenant: 'bad tenant!',
        phone: { defaultCountry: 'XX' },
        logger: console.log as never,
        nope: true,
      } as never)
    } catch (error) {
      caught = error
    }
    expect(isLeadCallError(caught, 'VALIDATION_FAILED')).toBe(true)
    const error = caught as LeadCallError
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^Invalid leadcall configuration: /)
    for (const path of ['storage', 'tenant', 'phone.defaultCountry', 'logger', 'nope']) {
      expect(error.message).toContain(path)
    }
    const issues = (error.details as { issues: { path: string }[] }).issues.map((i) => i.path)
    expect(issues).toEqual(expect.arrayContaining(['storage', 'tenant', 'phone.defaultCountry', 'logger']))
  })

  it('normalizes leads with the configured default country', () => {
    const app = createLeadCall({ phone: { defaultCountry: 'it' } })
    expect(app.normalizeLead({ name: 'Luca Bianchi', phone: '347 123 4567' }).phone).toBe('+393471234567')
  })
})

describe('app.agents', () => {
  const setup = () => {
    let clock = Date.parse('2026-11-21T09:00:00.000Z')
    const app = createLeadCall({ storage: memoryStorage(), now: () => clock })
    return { app, tick: (ms: number) => (clock += ms) }
  }

  it('upserts with defaults, keeps unspecified fields on update, and validates', async () => {
    const { app, tick } = setup()
    const created = await app.agents.upsert({ id: 'a1', name: 'Alice', skills: { spanish: 3 } })
    expect(created).toMatchObject({
      id: 'a1',
      status: 'offline',
      capacity: 1,
      weight: 1,
      tier: 1,
      skills: { spanish: 3 },
    })
    tick(1000)
    const updated = await app.agents.upsert({ id: 'a1', name: 'Alice B.', capacity: 2 })
    expect(updated).toMatchObject({
      name: 'Alice B.',
      capacity: 2,
      skills: { spanish: 3 },
      status: 'offline',
    })
    expect(updated.createdAt).toBe(created.createdAt)
    expect(updated.updatedAt).not.toBe(created.updatedAt)
    await expect(app.agents.upsert({ id: '', name: 'x', capacity: 0 } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/id.*capacity/s),
    })
  })

  it('changes status, records activity and emits agent.status', async () => {
    const { app, tick } = setup()
    const seen: string[] = []
    app.on('agent.status', (e) => seen.push(`${e.agentId}:${e.previous}->${e.status}:${e.source}`))
    await app.agents.upsert({ id: 'a1', name: 'Alice' })
    tick(10)
    await app.agents.setStatus('a1', 'available')
    tick(10)
    await app.agents.setStatus('a1', 'available') // no change: no event, no activity
    await app.agents.setStatus('a1', 'busy', { source: 'provider' })
    tick(10)
    await app.agents.setStatus('a1', 'break', { reason: 'lunch' })
    tick(10)
    await app.agents.setStatus('a1', 'available')
    await app.agents.setStatus('a1', 'offline')
    expect(seen).toEqual([
      'a1:null->offline:api',
      'a1:offline->available:api',
      'a1:available->busy:provider',
      'a1:busy->break:api',
      'a1:break->available:api',
      'a1:available->offline:api',
    ])
    const activity = await app.agents.activity({ agentId: 'a1' })
    expect(activity.map((a) => a.activity)).toEqual(['logout', 'login', 'on_call', 'break', 'idle', 'logout'])
    expect(activity[3]).toMatchObject({ reason: 'lunch', from: 'busy', to: 'break' })
    expect(await app.agents.activity({ agentId: 'a1', reverse: true, limit: 1 })).toMatchObject([
      { to: 'offline' },
    ])
  })

  it('lists with filters, removes, and rejects unknown agents with 404', async () => {
    const { app } = setup()
    await app.agents.upsert({ id: 'b', name: 'Bob', status: 'available', pools: ['es'] })
    await app.agents.upsert({ id: 'a', name: 'Ann', status: 'busy' })
    await app.agents.upsert({ id: 'c', name: 'Cy', status: 'available' })
    expect((await app.agents.list()).map((a) => a.id)).toEqual(['a', 'b', 'c'])
    expect((await app.agents.list({ status: 'available' })).map((a) => a.id)).toEqual(['b', 'c'])
    expect((await app.agents.list({ pool: 'es' })).map((a) => a.id)).toEqual(['b'])
    expect(await app.agents.remove('b')).toBe(true)
    expect(await app.agents.remove('b')).toBe(false)
    expect(await app.agents.get('b')).toBeNull()
    const error = await app.agents.setStatus('zzz', 'available').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 404 })
    await expect(app.agents.setStatus('a', 'sleeping' as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
  })

  it('keeps concurrent status changes consistent', async () => {
    const { app } = setup()
    await app.agents.upsert({ id: 'a', name: 'Ann', status: 'offline' })
    const statuses = ['available', 'busy', 'break', 'wrap_up', 'offline'] as const
    await Promise.all(Array.from({ length: 50 }, (_, i) => app.agents.setStatus('a', statuses[i % 5]!)))
    const activity = await app.agents.activity({ agentId: 'a' })
    // Every recorded change links to the previous one: no lost update.
    for (let i = 1; i < activity.length; i++) expect(activity[i]!.from).toBe(activity[i - 1]!.to)
    expect((await app.agents.get('a'))!.status).toBe(activity.at(-1)!.to)
  })

  it('tenants sharing one storage never see each other', async () => {
    const storage = memoryStorage()
    const a = createLeadCall({ storage, tenant: 'acme' })
    const b = createLeadCall({ storage, tenant: 'globex' })
    await a.agents.upsert({ id: 'x', name: 'Acme agent' })
    expect(await b.agents.get('x')).toBeNull()
    expect(await b.agents.list()).toEqual([])
  })

  it('honours an aborted signal', async () => {
    const { app } = setup()
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(app.agents.get('a', { signal: controller.signal })).rejects.toThrow('stop')
  })

  it('routes listener errors to the logger instead of failing the call', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const app = createLeadCall({ logger })
    app.on('agent.upserted', () => {
      throw new LeadCallError('CALL_FAILED')
    })
    await expect(app.agents.upsert({ id: 'a', name: 'A' })).resolves.toMatchObject({ id: 'a' })
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'agent.upserted', tenant: 'default' }),
      'event listener threw',
    )
  })
})
