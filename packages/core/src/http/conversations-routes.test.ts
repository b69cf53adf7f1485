import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { bodyOf, request, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'
import type { TwilioWhatsAppSource } from './http-options.js'

const FROM = 'whatsapp:+34600111222'
const SID = (n: number) => `SM${String(n).padStart(32, '0')}`

function twilioForm(fields: Record<string, string>): RequestInit & { headers: Record<string, string> } {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  }
}

function inbound(body: string, sid: number, extra: Record<string, string> = {}) {
  const init = twilioForm({
    MessageSid: SID(sid),
    AccountSid: `AC${'1'.repeat(32)}`,
    From: FROM,
    To: 'whatsapp:+14155238886',
    Body: body,
    NumMedia: '0',
    ...extra,
  })
  return request('/whatsapp/twilio', { method: 'POST', headers: init.headers, body: init.body as string })
}

let apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()))
  apps = []
})
function makeApp() {
  const app = testApp({ phone: { defaultCountry: 'ES' } })
  apps.push(app)
  return app
}

describe('POST /whatsapp/twilio', () => {
  it('answers with the conversation reply as TwiML and ignores a redelivered MessageSid', async () => {
    const app = makeApp()
    const handle = createHttpHandler(app)
    const first = await handle(inbound('Hola, busco sofás', 1, { ProfileName: 'María <3' }))
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toMatch(/^text\/xml/)
    const xml = await first.text()
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>.+<\/Message><\/Response>$/,
    )
    expect(xml).not.toContain('<3') // the profile name is not echoed; the reply is escaped XML text

    const again = await handle(inbound('Hola, busco sofás', 1))
    expect(await again.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>')
    const conversation = await app.conversations.get('+34600111222')
    expect(conversation?.profileName).toBe('María <3')
    expect(conversation?.messages.filter((m) => m.role === 'user')).toHaveLength(1)
  })

  it('escapes the reply for XML', async () => {
    const app = makeApp()
    const handle = createHttpHandler(app)
    await handle(inbound('Hola', 1))
    const reply = (await app.conversations.history('+34600111222')).at(-1)?.text ?? ''
    const xml = await (await handle(inbound('¿Y "esto" & <aquello>?', 2))).text()
    expect(xml).not.toMatch(/<aquello>/)
    expect(reply).not.toBe('')
  })

  it('refuses what is not a Twilio WhatsApp message', async () => {
    const handle = createHttpHandler(makeApp())
    const json = await handle(request('/whatsapp/twilio', { json: { From: FROM } }))
    expect(json.status).toBe(415)
    const sms = await handle(inbound('Hola', 3, { From: '+34600111222' }))
    expect(sms.status).toBe(400)
    expect((await bodyOf(sms)).error.code).toBe('VALIDATION_FAILED')
    const noSid = await handle(inbound('Hola', 4, { MessageSid: 'nope' }))
    expect(noSid.status).toBe(400)
  })

  it('lets the configured Twilio source verify the signature', async () => {
    const app = makeApp()
    const seen: string[] = []
    const twilio: TwilioWhatsAppSource = {
      async parseWhatsAppMessage(req, options) {
        seen.push(options?.url ?? req.url)
        if (req.headers.get('x-twilio-signature') !== 'good') throw new LeadCallError('INVALID_SIGNATURE')
        const params = new URLSearchParams(await req.text())
        return {
          messageSid: params.get('MessageSid') ?? '',
          from: '+34600111222',
          body: params.get('Body') ?? '',
        }
      },
    }
    const handle = createHttpHandler(app, { whatsapp: { twilio, url: 'https://example.com/hook' } })
    const unsigned = await handle(inbound('Hola', 5))
    expect(unsigned.status).toBe(401)
    expect((await bodyOf(unsigned)).error.code).toBe('INVALID_SIGNATURE')
    expect(await app.conversations.get('+34600111222')).toBeNull()
    const signedRequest = inbound('Hola', 6)
    const signed = new Request(signedRequest, {
      headers: { ...Object.fromEntries(signedRequest.headers), 'x-twilio-signature': 'good' },
    })
    expect((await handle(signed)).status).toBe(200)
    expect(seen).toEqual(['https://example.com/hook', 'https://example.com/hook'])
    expect(await app.conversations.history('+34600111222')).not.toHaveLength(0)
  })
})

describe('conversation management routes', () => {
  it('reads, lists the history of, resets and counts conversations', async () => {
    const app = makeApp()
    const handle = createHttpHandler(app, {
      authorize: (req) => req.headers.get('authorization') === 'Bearer t',
    })
    const auth = { authorization: 'Bearer t' }
    await handle(inbound('Hola', 1))
    await handle(inbound('soy Lucía y busco un sofá', 2))

    expect((await handle(request('/conversations/%2B34600111222'))).status).toBe(401)
    const state = await handle(request('/conversations/%2B34600111222', { headers: auth }))
    expect(state.status).toBe(200)
    const body = await bodyOf(state)
    // Warm, with a name and a specific need after one question: the rubric creates the lead.
    expect(body).toMatchObject({ phone: '+34600111222', status: 'completed', messageCount: 4 })
    expect(body.lead).toMatchObject({ status: 'created', quality: 'warm' })
    expect(body.messages).toBeUndefined()
    expect(body.classification.extracted.name).toBe('Lucía')

    const history = await bodyOf(
      await handle(request('/conversations/+34600111222/history', { headers: auth })),
    )
    expect(history.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ])

    const analytics = await bodyOf(await handle(request('/analytics/conversations', { headers: auth })))
    expect(analytics).toMatchObject({ started: 1, messages: 2, completed: 1, active: 0, conversionRate: 1 })
    const bad = await handle(request('/analytics/conversations?from=yesterday', { headers: auth }))
    expect(bad.status).toBe(400)

    const reset = await handle(
      request('/conversations/%2B34600111222/reset', { method: 'POST', headers: auth }),
    )
    expect(await bodyOf(reset)).toEqual({ reset: true })
    expect((await handle(request('/conversations/%2B34600111222', { headers: auth }))).status).toBe(404)
    const again = await handle(
      request('/conversations/%2B34600111222/reset', { method: 'POST', headers: auth }),
    )
    expect(again.status).toBe(404)
    const invalid = await handle(request('/conversations/12/history', { headers: auth }))
    expect(invalid.status).toBe(400)
    expect((await bodyOf(invalid)).error.code).toBe('INVALID_PHONE')
  })
})
