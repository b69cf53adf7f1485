import { signLeadRequest } from '@leadcall/core'
import { computeTwilioSignature } from '@leadcall/twilio'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConfiguredApp, createAppFromConfig } from './create-app-from-config.js'
import type { Env } from './env-fields.js'
import { loadConfig } from './load-config.js'
import { sampleAgents } from './sample-agents.js'

const TOKEN = 'an-admin-token-of-some-length'
const AUTH_TOKEN = 'f00dfacef00dfacef00dfacef00dface'
const twilioEnv = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM: '+14155550000',
  LEADCALL_PUBLIC_URL: 'https://hooks.example.com',
}
const cloudTalkEnv = {
  CLOUDTALK_ACCESS_KEY_ID: 'key-id',
  CLOUDTALK_ACCESS_KEY_SECRET: 'key-secret',
  CLOUDTALK_WEBHOOK_SECRET: 'a-webhook-secret-of-32-characters',
}

const opened: ConfiguredApp[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((configured) => configured.close()))
})

async function start(env: Env): Promise<ConfiguredApp> {
  // Calls at any hour, so that what the tests expect does not depend on when they run.
  const configured = await createAppFromConfig(
    loadConfig({ LEADCALL_LOG_LEVEL: 'silent', LEADCALL_CALLING_HOURS: 'off', ...env }),
  )
  opened.push(configured)
  return configured
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

describe('createAppFromConfig', () => {
  it('runs on the simulator with the sample agents when nothing is configured', async () => {
    const { app, handler, providers } = await start({ LEADCALL_SIMULATOR_SEED: '7' })
    expect(providers.map((provider) => provider.name)).toEqual(['simulator'])
    expect(app.storage.name).toBe('memory')
    const agents = await app.agents.list()
    expect(agents.map((agent) => agent.id).sort()).toEqual(sampleAgents.map((agent) => agent.id).sort())

    const response = await handler(post('/leads', { name: 'John Carter', phone: '(415) 555-2671' }))
    expect(response.status).toBe(200)
    const body = (await response.json()) as { processId: string; status: string }
    expect(body.status).toBe('dialing')
    expect(await app.process(body.processId)).toMatchObject({ status: 'dialing' })
  })

  it('guards the management routes with the admin token, in constant time', async () => {
    const { handler } = await start({ LEADCALL_ADMIN_TOKEN: TOKEN })
    expect((await handler(new Request('http://localhost/stats'))).status).toBe(401)
    const wrong = new Request('http://localhost/stats', { headers: { authorization: `Bearer ${TOKEN}x` } })
    expect((await handler(wrong)).status).toBe(401)
    const right = new Request('http://localhost/stats', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect((await handler(right)).status).toBe(200)
    // Intake is not a management route.
    expect((await handler(post('/leads', { phone: '+14155552671' }))).status).toBe(200)
  })

  it('checks the intake secret on POST /leads: presented or signing the body', async () => {
    const secret = 'an-intake-secret-of-length'
    const { handler } = await start({ LEADCALL_INTAKE_SECRET: secret })
    const lead = { name: 'Ada Lovelace', phone: '+14155552671' }
    expect((await handler(post('/leads', lead))).status).toBe(401)
    expect((await handler(post('/leads', lead, { authorization: `Bearer ${secret}` }))).status).toBe(200)
    const body = JSON.stringify({ name: 'Alan Turing', phone: '+14155552672' })
    const signed = new Request('http://localhost/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-leadcall-signature': signLeadRequest(body, secret) },
      body,
    })
    expect((await handler(signed)).status).toBe(200)
  })

  it('checks the GoHighLevel workflow secret on POST /leads/ghl', async () => {
    const { handler } = await start({ GHL_WEBHOOK_SECRET: 'a-workflow-secret-of-length' })
    const payload = { contact_id: 'xK3f0Yc8', full_name: 'Luca Bianchi', phone: '+39 347 123 4567' }
    const refused = await handler(post('/leads/ghl', payload))
    expect(refused.status).toBe(401)
    const accepted = await handler(
      post('/leads/ghl', payload, { 'x-leadcall-secret': 'a-workflow-secret-of-length' }),
    )
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toMatchObject({ status: 'dialing' })
  })

  it('wires Twilio, verifying the status callbacks against the public URL', async () => {
    const { app, handler, providers } = await start(twilioEnv)
    expect(providers.map((provider) => provider.name)).toEqual(['twilio'])
    expect(app.config.telephony?.name).toBe('twilio')
    expect(await app.agents.list()).toEqual([])

    const query = '?lc_leg=agent&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1'
    const params = {
      CallSid: `CA${'0'.repeat(32)}`,
      CallStatus: 'ringing',
      AccountSid: twilioEnv.TWILIO_ACCOUNT_SID,
    }
    const signature = computeTwilioSignature({
      authToken: AUTH_TOKEN,
      url: `https://hooks.example.com/leadcall/webhooks/twilio${query}`,
      params,
    })
    const callback = (signed: string) =>
      new Request(`http://10.0.0.5:3000/webhooks/twilio${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed },
        body: new URLSearchParams(params).toString(),
      })
    const accepted = await handler(callback(signature))
    expect(accepted.status).toBe(200)
    // A call leadcall did not place changes nothing.
    expect(await accepted.json()).toEqual({ received: 1, applied: 0 })
    const refused = await handler(callback(`${signature.slice(0, -2)}A=`))
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } })
  })

  it('verifies WhatsApp messages with the Twilio provider when Twilio is configured', async () => {
    const { handler } = await start(twilioEnv)
    const params = {
      MessageSid: `SM${'1'.repeat(32)}`,
      AccountSid: twilioEnv.TWILIO_ACCOUNT_SID,
      From: 'whatsapp:+14155550177',
      To: 'whatsapp:+14155238886',
      Body: 'Hi, I need a sofa',
      NumMedia: '0',
    }
    const signature = computeTwilioSignature({
      authToken: AUTH_TOKEN,
      url: 'https://hooks.example.com/leadcall/whatsapp/twilio',
      params,
    })
    const message = (signed: string, body = params) =>
      new Request('http://10.0.0.5:3000/whatsapp/twilio', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed },
        body: new URLSearchParams(body).toString(),
      })
    const accepted = await handler(message(signature))
    expect(accepted.status).toBe(200)
    expect(await accepted.text()).toMatch(/<Response><Message>.+<\/Message><\/Response>$/)
    const tampered = await handler(message(signature, { ...params, Body: 'Hi, call me now' }))
    expect(tampered.status).toBe(401)
    expect(await tampered.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } })
  })

  it('registers the agents of LEADCALL_AGENTS, available', async () => {
    const { app } = await start({
      ...twilioEnv,
      LEADCALL_AGENTS: JSON.stringify([{ id: 'alice', name: 'Alice', phone: '+14155550100' }]),
    })
    expect(await app.agents.list()).toEqual([
      expect.objectContaining({ id: 'alice', name: 'Alice', phone: '+14155550100', status: 'available' }),
    ])
    expect(() => loadConfig({ LEADCALL_AGENTS: '[{"id": "x"}' })).toThrow(
      /LEADCALL_AGENTS: Expected a JSON array of agents/,
    )
    expect(() => loadConfig({ LEADCALL_AGENTS: '[]' })).toThrow(
      /LEADCALL_AGENTS: Expected at least one agent/,
    )
  })

  it('wires CloudTalk, refusing webhooks without its secret', async () => {
    const { handler, providers } = await start(cloudTalkEnv)
    expect(providers.map((provider) => provider.name)).toEqual(['cloudtalk'])
    const response = await handler(post('/webhooks/cloudtalk', { call_id: 1 }))
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } })
  })

  it('wires Asterisk, whose events come over its WebSocket rather than webhooks', async () => {
    const { handler, providers } = await start({
      ASTERISK_ARI_URL: 'http://127.0.0.1:9',
      ASTERISK_ARI_USERNAME: 'leadcall',
      ASTERISK_ARI_PASSWORD: 'ari-password',
      ASTERISK_LEAD_ENDPOINT: 'PJSIP/{number}@trunk',
    })
    expect(providers.map((provider) => provider.name)).toEqual(['asterisk'])
    const response = await handler(post('/webhooks/asterisk', {}))
    expect(response.status).toBe(404)
  })

  it('puts several providers behind failover, in the order given, each keeping its webhook route', async () => {
    const { app, handler, providers } = await start({
      ...twilioEnv,
      ...cloudTalkEnv,
      LEADCALL_TELEPHONY: 'twilio,cloudtalk',
    })
    expect(providers.map((provider) => provider.name)).toEqual(['twilio', 'cloudtalk'])
    const health = (await (await handler(new Request('http://localhost/health'))).json()) as {
      providers: { name: string; state: string }[]
    }
    expect(health.providers.map((provider) => [provider.name, provider.state])).toEqual([
      ['twilio', 'closed'],
      ['cloudtalk', 'closed'],
    ])
    expect(app.config.telephony?.name).not.toBe('twilio')
    const cloudtalk = await handler(post('/webhooks/cloudtalk', { call_id: 1 }))
    expect(cloudtalk.status).toBe(401)
    const twilio = await handler(
      new Request('http://localhost/webhooks/twilio', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'CallSid=CA00000000000000000000000000000000&CallStatus=ringing',
      }),
    )
    expect(twilio.status).toBe(401)
  })

  it('closes once, however often asked', async () => {
    const configured = await start({})
    await Promise.all([configured.close(), configured.close()])
    await expect(configured.app.agents.list()).rejects.toThrow()
  })
})
