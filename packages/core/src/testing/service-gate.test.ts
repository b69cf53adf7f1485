import { describe, expect, it } from 'vitest'
import { serviceGate } from './service-gate.js'

const base = { name: 'Thing', target: 'thing://local', howToStart: 'start-thing' }

describe('serviceGate', () => {
  it('runs the suite when the probe answers', async () => {
    await expect(serviceGate({ ...base, probe: async () => 'pong', required: false })).resolves.toBe(false)
  })

  it('skips with a message saying how to start the server when it is missing', async () => {
    const skip = await serviceGate({
      ...base,
      probe: async () => {
        throw new Error('ECONNREFUSED')
      },
      required: false,
    })
    expect(skip).toContain('Thing is not reachable at thing://local (ECONNREFUSED)')
    expect(skip).toContain('start-thing')
  })

  it('fails instead of skipping when the server is required', async () => {
    await expect(
      serviceGate({ ...base, probe: () => Promise.reject(new Error('ECONNREFUSED')), required: true }),
    ).rejects.toThrow(/CI=true requires it/)
  })

  it('gives up on a probe that hangs', async () => {
    const skip = await serviceGate({
      ...base,
      probe: () => new Promise(() => {}),
      timeoutMs: 20,
      required: false,
    })
    expect(skip).toMatch(/not reachable/)
  })
})
