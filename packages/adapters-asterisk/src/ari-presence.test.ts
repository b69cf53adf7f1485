import { describe, expect, it } from 'vitest'
import { parseEndpointTemplate } from './ari-endpoint-template.js'
import { endpointPresence, endpointReports } from './ari-presence.js'
import { type AriEndpoint, ariTimestamp } from './ari-schemas.js'

const endpoint = (state: string | undefined, channels: string[] = []): AriEndpoint => ({
  technology: 'PJSIP',
  resource: '1001',
  ...(state === undefined ? {} : { state }),
  channel_ids: channels,
})

describe('endpointPresence', () => {
  it.each([
    ['online', [], 'available'],
    ['online', ['1768489200.1'], 'on_call'],
    ['offline', [], 'offline'],
    ['offline', ['1768489200.1'], 'offline'],
    ['unknown', [], 'offline'],
    [undefined, [], 'offline'],
  ] as const)('%s with channels %j is %s', (state, channels, status) => {
    expect(endpointPresence(endpoint(state, [...channels]))).toBe(status)
  })

  it('reports an endpoint under its full name and the reference the agent template reads back', () => {
    expect(endpointReports(endpoint('online'), parseEndpointTemplate('PJSIP/{ext}', ['ext']))).toEqual([
      { providerAgentId: 'PJSIP/1001', status: 'available' },
      { providerAgentId: '1001', status: 'available' },
    ])
    expect(endpointReports(endpoint('online'), parseEndpointTemplate('SIP/{ext}', ['ext']))).toEqual([
      { providerAgentId: 'PJSIP/1001', status: 'available' },
    ])
  })
})

describe('ariTimestamp', () => {
  it.each([
    ['2026-01-15T15:00:00.000+0000', '2026-01-15T15:00:00.000Z'],
    ['2026-01-15T10:00:00.123-0500', '2026-01-15T15:00:00.123Z'],
    ['2026-01-15T16:30:00.000+0130', '2026-01-15T15:00:00.000Z'],
    ['2026-01-15T15:00:00.000Z', '2026-01-15T15:00:00.000Z'],
    ['2026-01-15T15:00:00+00:00', '2026-01-15T15:00:00.000Z'],
  ])('reads %s as %s', (value, iso) => {
    expect(ariTimestamp(value)).toBe(iso)
  })

  it.each([undefined, '', 'yesterday'])('gives undefined for %j', (value) => {
    expect(ariTimestamp(value)).toBeUndefined()
  })
})
