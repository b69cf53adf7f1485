import { LeadCallError } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import type { Env } from './env-fields.js'
import { loadConfig } from './load-config.js'

const SID = 'AC0123456789abcdef0123456789abcdef'

const cloudTalkEnv = {
  CLOUDTALK_ACCESS_KEY_ID: 'key-id',
  CLOUDTALK_ACCESS_KEY_SECRET: 'key-secret',
  CLOUDTALK_WEBHOOK_SECRET: 'a-webhook-secret-of-32-characters',
}
const twilioEnv = {
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'f00dfacef00dfacef00dfacef00dface',
  TWILIO_FROM: '+14155550000',
  LEADCALL_PUBLIC_URL: 'https://hooks.example.com/',
}
const asteriskEnv = {
  ASTERISK_ARI_URL: 'http://pbx.internal:8088',
  ASTERISK_ARI_USERNAME: 'leadcall',
  ASTERISK_ARI_PASSWORD: 'ari-password',
  ASTERISK_LEAD_ENDPOINT: 'PJSIP/{number}@trunk',
}

/** The error `loadConfig` throws for `env`, or a failure when it does not throw. */
function errorOf(env: Env): LeadCallError {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(LeadCallError)
    return error as LeadCallError
  }
  throw new Error('loadConfig accepted the environment')
}

function issuesOf(env: Env): { path: string; message: string }[] {
  return (errorOf(env).details as { issues: { path: string; message: string }[] }).issues
}

describe('loadConfig', () => {
  it('starts with no variables: memory storage, the simulator, /leadcall on port 3000', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      basePath: '/leadcall',
      defaultCountry: 'US',
      callingHours: false,
      tenant: 'default',
      logLevel: 'info',
      storage: { kind: 'memory' },
      telephony: [{ kind: 'simulator' }],
      ghl: {},
    })
  })

  it('reads the server variables, empty values counting as unset', () => {
    const config = loadConfig({
      LEADCALL_PORT: '8080',
      LEADCALL_HOST: '0.0.0.0',
      LEADCALL_BASE_PATH: '/api/leadcall/',
      LEADCALL_ADMIN_TOKEN: 'an-admin-token-of-some-length',
      LEADCALL_DEFAULT_COUNTRY: 'it',
      LEADCALL_TENANT: 'acme',
      LEADCALL_CALLING_HOURS: '09:30 - 18:00',
      LEADCALL_LOG_LEVEL: 'silent',
      LEADCALL_SIMULATOR_SEED: '42',
      LEADCALL_SIMULATOR_RING_MS: '50',
      LEADCALL_SIMULATOR_TALK_MS: '',
      REDIS_URL: '',
    })
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      basePath: '/api/leadcall',
      adminToken: 'an-admin-token-of-some-length',
      defaultCountry: 'IT',
      callingHours: { start: '09:30', end: '18:00' },
      tenant: 'acme',
      logLevel: 'silent',
      telephony: [{ kind: 'simulator', seed: 42, ringMs: 50 }],
    })
    expect(loadConfig({ LEADCALL_BASE_PATH: '/' }).basePath).toBe('')
    expect(loadConfig({ LEADCALL_CALLING_HOURS: 'OFF' }).callingHours).toBe(false)
  })

  it('lists every problem at once, one line per variable, without echoing values', () => {
    const error = errorOf({
      LEADCALL_PORT: 'eighty',
      LEADCALL_BASE_PATH: 'leadcall',
      LEADCALL_ADMIN_TOKEN: 'short-secret',
      LEADCALL_DEFAULT_COUNTRY: 'XX',
      LEADCALL_CALLING_HOURS: '21:00-08:00',
      LEADCALL_LOG_LEVEL: 'loud',
      LEADCALL_STORAGE: 'redis',
      TWILIO_ACCOUNT_SID: SID,
      ASTERISK_LEAD_ENDPOINT: 'trunk',
    })
    expect(error.code).toBe('VALIDATION_FAILED')
    const lines = error.message.split('\n')
    expect(lines[0]).toBe(`Invalid environment (${lines.length - 1} problems):`)
    const variables = lines.slice(1).map((line) => /^- ([A-Z_]+): /.exec(line)?.[1])
    expect(variables).toEqual([
      'LEADCALL_PORT',
      'LEADCALL_BASE_PATH',
      'LEADCALL_ADMIN_TOKEN',
      'LEADCALL_DEFAULT_COUNTRY',
      'LEADCALL_CALLING_HOURS',
      'LEADCALL_LOG_LEVEL',
      'ASTERISK_LEAD_ENDPOINT',
      'REDIS_URL',
      'TWILIO_AUTH_TOKEN',
      'TWILIO_FROM',
      'ASTERISK_ARI_URL',
      'ASTERISK_ARI_USERNAME',
      'ASTERISK_ARI_PASSWORD',
      'LEADCALL_TELEPHONY',
    ])
    expect(error.message).toContain('- LEADCALL_PORT: Expected a whole number from 0 to 65535')
    expect(error.message).toContain('- LEADCALL_ADMIN_TOKEN: Expected at least 16 characters')
    expect(error.message).toContain('- REDIS_URL: Required with LEADCALL_STORAGE=redis')
    expect(error.message).toContain(
      '- TWILIO_FROM: Missing: TWILIO_ACCOUNT_SID is set, so Twilio needs it too (or unset them)',
    )
    expect(error.message).not.toContain('short-secret')
    expect(error.details).toMatchObject({
      issues: expect.arrayContaining([{ path: 'REDIS_URL', message: expect.any(String) }]),
    })
  })

  it('keeps to calling hours with real providers only, unless told otherwise', () => {
    expect(loadConfig(cloudTalkEnv).callingHours).toEqual({ start: '08:00', end: '21:00' })
    expect(loadConfig({ ...cloudTalkEnv, LEADCALL_CALLING_HOURS: 'off' }).callingHours).toBe(false)
    expect(loadConfig({ LEADCALL_CALLING_HOURS: '10:00-16:00' }).callingHours).toEqual({
      start: '10:00',
      end: '16:00',
    })
  })

  it('selects CloudTalk by its variables', () => {
    expect(loadConfig(cloudTalkEnv).telephony).toEqual([
      {
        kind: 'cloudtalk',
        accessKeyId: 'key-id',
        accessKeySecret: 'key-secret',
        webhookSecret: 'a-webhook-secret-of-32-characters',
      },
    ])
  })

  it('selects Twilio by its variables, its status callback under the public URL and base path', () => {
    expect(loadConfig({ ...twilioEnv, LEADCALL_BASE_PATH: '/api' }).telephony).toEqual([
      {
        kind: 'twilio',
        accountSid: SID,
        authToken: 'f00dfacef00dfacef00dfacef00dface',
        from: '+14155550000',
        statusCallbackUrl: 'https://hooks.example.com/api/webhooks/twilio',
        whatsappUrl: 'https://hooks.example.com/api/whatsapp/twilio',
      },
    ])
    const explicit = loadConfig({
      ...twilioEnv,
      LEADCALL_PUBLIC_URL: '',
      TWILIO_STATUS_CALLBACK_URL: 'https://edge.example.com/twilio',
      TWILIO_MODE: 'lead_first',
      TWILIO_API_KEY: 'SK0123456789abcdef0123456789abcdef',
      TWILIO_API_SECRET: 'api-secret',
    })
    expect(explicit.telephony[0]).toMatchObject({
      statusCallbackUrl: 'https://edge.example.com/twilio',
      mode: 'lead_first',
      apiKey: 'SK0123456789abcdef0123456789abcdef',
      apiSecret: 'api-secret',
    })
  })

  it('refuses Twilio without a public URL, and half an API key', () => {
    expect(issuesOf({ ...twilioEnv, LEADCALL_PUBLIC_URL: undefined })).toEqual([
      { path: 'LEADCALL_PUBLIC_URL', message: expect.stringContaining('TWILIO_STATUS_CALLBACK_URL') },
    ])
    expect(issuesOf({ ...twilioEnv, TWILIO_API_KEY: 'SK0123456789abcdef0123456789abcdef' })).toEqual([
      { path: 'TWILIO_API_SECRET', message: expect.stringContaining('set both, or neither') },
    ])
  })

  it('selects Asterisk by its variables', () => {
    expect(loadConfig({ ...asteriskEnv, ASTERISK_ARI_APP: 'leadcall-1' }).telephony).toEqual([
      {
        kind: 'asterisk',
        url: 'http://pbx.internal:8088',
        username: 'leadcall',
        password: 'ari-password',
        leadEndpoint: 'PJSIP/{number}@trunk',
        app: 'leadcall-1',
      },
    ])
  })

  it('asks for a failover order when two providers are set, and follows it', () => {
    expect(issuesOf({ ...cloudTalkEnv, ...twilioEnv })).toEqual([
      {
        path: 'LEADCALL_TELEPHONY',
        message: expect.stringContaining('LEADCALL_TELEPHONY=cloudtalk,twilio'),
      },
    ])
    const config = loadConfig({ ...cloudTalkEnv, ...twilioEnv, LEADCALL_TELEPHONY: 'twilio, cloudtalk' })
    expect(config.telephony.map((provider) => provider.kind)).toEqual(['twilio', 'cloudtalk'])
  })

  it('checks LEADCALL_TELEPHONY against the variables set', () => {
    expect(issuesOf({ LEADCALL_TELEPHONY: 'cloudtalk' }).map((issue) => issue.path)).toEqual([
      'CLOUDTALK_ACCESS_KEY_ID',
      'CLOUDTALK_ACCESS_KEY_SECRET',
      'CLOUDTALK_WEBHOOK_SECRET',
    ])
    expect(issuesOf({ ...twilioEnv, ...asteriskEnv, LEADCALL_TELEPHONY: 'twilio' })).toEqual([
      { path: 'LEADCALL_TELEPHONY', message: expect.stringContaining('asterisk is not listed') },
    ])
    expect(issuesOf({ LEADCALL_TELEPHONY: 'simulator,twilio,twilio' })).toEqual([
      { path: 'LEADCALL_TELEPHONY', message: 'twilio is listed twice' },
      { path: 'LEADCALL_TELEPHONY', message: 'simulator cannot be combined with real providers' },
    ])
    expect(issuesOf({ LEADCALL_TELEPHONY: 'vonage' })).toEqual([
      { path: 'LEADCALL_TELEPHONY', message: 'Expected simulator, cloudtalk, twilio or asterisk' },
    ])
    // The simulator, chosen explicitly, leaves provider variables alone.
    expect(loadConfig({ ...twilioEnv, LEADCALL_TELEPHONY: 'simulator' }).telephony).toEqual([
      { kind: 'simulator' },
    ])
  })

  it('selects the storage', () => {
    expect(loadConfig({ LEADCALL_STORAGE: 'redis', REDIS_URL: 'redis://cache:6379/2' }).storage).toEqual({
      kind: 'redis',
      url: 'redis://cache:6379/2',
      prefix: 'leadcall',
    })
    expect(
      loadConfig({
        LEADCALL_STORAGE: 'postgres',
        DATABASE_URL: 'postgres://leadcall@db:5432/leadcall',
        LEADCALL_POSTGRES_SCHEMA: 'sales',
        LEADCALL_POSTGRES_MIGRATE: 'false',
      }).storage,
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://leadcall@db:5432/leadcall',
      schema: 'sales',
      migrate: false,
    })
    expect(issuesOf({ LEADCALL_STORAGE: 'postgres', DATABASE_URL: 'mysql://db/leads' })).toEqual([
      { path: 'DATABASE_URL', message: 'Expected a postgres:// or postgresql:// URL' },
    ])
    expect(issuesOf({ LEADCALL_STORAGE: 'sqlite' })).toEqual([
      { path: 'LEADCALL_STORAGE', message: 'Expected memory, redis or postgres' },
    ])
  })
})
