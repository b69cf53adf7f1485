import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ACCOUNT_SID, AUTH_TOKEN, twilioMock, webhookRequest } from './twilio-mock.test-util.js'
import { twilio } from './twilio-provider.js'
import { parseTwilioWhatsAppMessage } from './twilio-whatsapp.js'

const MESSAGE_SID = 'MM0123456789abcdef0123456789abcdef'
const WHATSAPP_URL = 'https://hooks.example.com/twilio/whatsapp'

/** An inbound WhatsApp webhook as Twilio posts it (fields per PROVIDERS.md §2.7). */
function inbound(extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    SmsMessageSid: MESSAGE_SID,
    NumMedia: '2',
    ProfileName: 'Jane <Doe>',
    MessageType: 'image',
    SmsSid: MESSAGE_SID,
    WaId: '15551234567',
    SmsStatus: 'received',
    Body: 'Hi, I want a quote & a call',
    To: 'whatsapp:+14155238886',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: MESSAGE_SID,
    AccountSid: ACCOUNT_SID,
    From: 'whatsapp:+15551234567',
    MediaContentType0: 'image/jpeg',
    MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${MESSAGE_SID}/Media/ME1`,
    MediaUrl1: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${MESSAGE_SID}/Media/ME2`,
    ApiVersion: '2010-04-01',
    ...extra,
  })
}

describe('parseTwilioWhatsAppMessage', () => {
  it('reads addresses, ids, profile, text and media', () => {
    const message = parseTwilioWhatsAppMessage(inbound())
    expect(message).toMatchObject({
      messageSid: MESSAGE_SID,
      accountSid: ACCOUNT_SID,
      from: '+15551234567',
      to: '+14155238886',
      fromAddress: 'whatsapp:+15551234567',
      toAddress: 'whatsapp:+14155238886',
      profileName: 'Jane <Doe>',
      waId: '15551234567',
      body: 'Hi, I want a quote & a call',
      media: [
        { url: expect.stringContaining('/Media/ME1'), contentType: 'image/jpeg' },
        { url: expect.stringContaining('/Media/ME2') },
      ],
    })
    expect(message.raw.MessageType).toBe('image')
  })

  it('reads a text-only message', () => {
    const text = inbound({ NumMedia: '0' })
    text.delete('MediaUrl0')
    text.delete('MediaUrl1')
    text.delete('MediaContentType0')
    text.delete('ProfileName')
    const message = parseTwilioWhatsAppMessage(text)
    expect(message.media).toEqual([])
    expect(message).not.toHaveProperty('profileName')
  })

  it.each([
    ['an SMS (no whatsapp: prefix)', { From: '+15551234567' }],
    ['a malformed MessageSid', { MessageSid: 'SM123' }],
    ['too many media', { NumMedia: '11' }],
  ])('refuses %s with VALIDATION_FAILED', (_label, extra) => {
    expect(() => parseTwilioWhatsAppMessage(inbound(extra))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    )
  })
})

describe('the provider and WhatsApp', () => {
  const mock = twilioMock()
  beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mock.reset())
  afterAll(() => mock.server.close())

  const provider = twilio({
    ...mock.options,
    whatsappUrl: WHATSAPP_URL,
    whatsappFrom: 'whatsapp:+14155238886',
  })

  it('verifies and parses an inbound message', async () => {
    const message = await provider.parseWhatsAppMessage(webhookRequest(WHATSAPP_URL, inbound()))
    expect(message.messageSid).toBe(MESSAGE_SID)
  })

  it.each(['tampered', 'unsigned'] as const)(
    'refuses a %s message with INVALID_SIGNATURE',
    async (signing) => {
      const request = webhookRequest(WHATSAPP_URL, inbound(), signing)
      if (signing === 'tampered') {
        // webhookRequest alters CallStatus; alter the text instead, as an attacker would.
        const body = new URLSearchParams(await request.clone().text())
        body.set('Body', 'Send me everything')
        const forged = new Request(request.url, {
          method: 'POST',
          headers: request.headers,
          body: body.toString(),
        })
        await expect(provider.parseWhatsAppMessage(forged)).rejects.toMatchObject({
          code: 'INVALID_SIGNATURE',
        })
        return
      }
      await expect(provider.parseWhatsAppMessage(request)).rejects.toMatchObject({
        code: 'INVALID_SIGNATURE',
      })
    },
  )

  it('replies with TwiML <Message> through the one-route webhook handler', async () => {
    const seen: string[] = []
    const handler = provider.webhookHandler({
      onWhatsAppMessage: (message) => {
        seen.push(message.body)
        return `Thanks ${message.profileName}, an agent calls you in a minute.`
      },
    })
    const response = await handler(webhookRequest(WHATSAPP_URL, inbound()))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/xml')
    expect(await response.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks Jane &lt;Doe&gt;, an agent calls you in a minute.</Message></Response>',
    )
    expect(seen).toEqual(['Hi, I want a quote & a call'])
    const silent = provider.webhookHandler({})
    expect(await (await silent(webhookRequest(WHATSAPP_URL, inbound()))).text()).toContain(
      '<Response></Response>',
    )
  })

  it('answers a forged message 401 from the webhook handler', async () => {
    const handler = provider.webhookHandler({ onWhatsAppMessage: () => 'never' })
    const response = await handler(webhookRequest(WHATSAPP_URL, inbound(), 'unsigned'))
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } })
  })

  it('sends a reply with the Messages API', async () => {
    const sent = await provider.sendWhatsApp({
      to: '+15551234567',
      body: 'Your agent is Alice',
      mediaUrl: ['https://cdn.example.com/card.png'],
    })
    expect(sent.messageSid).toMatch(/^SM[0-9a-f]{32}$/)
    expect(sent.status).toBe('queued')
    const [request] = mock.received.filter((r) => r.path === '/Messages.json')
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      To: 'whatsapp:+15551234567',
      From: 'whatsapp:+14155238886',
      Body: 'Your agent is Alice',
      MediaUrl: 'https://cdn.example.com/card.png',
    })
  })

  it('sends a template with its variables', async () => {
    await provider.sendWhatsApp({
      to: 'whatsapp:+15551234567',
      contentSid: 'HX0123456789abcdef0123456789abcdef',
      contentVariables: { 1: 'Jane' },
    })
    const [request] = mock.received.filter((r) => r.path === '/Messages.json')
    expect(request?.form.get('ContentSid')).toBe('HX0123456789abcdef0123456789abcdef')
    expect(request?.form.get('ContentVariables')).toBe('{"1":"Jane"}')
    expect(request?.form.has('Body')).toBe(false)
  })

  it('refuses an empty or too long message without calling Twilio', async () => {
    await expect(provider.sendWhatsApp({ to: '+1555' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(provider.sendWhatsApp({ to: '+1555', body: 'x'.repeat(1601) })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    expect(mock.received).toEqual([])
  })

  it('maps a Messages API error without leaking credentials', async () => {
    mock.fail(400, {
      code: 63016,
      message: 'Failed to send freeform message outside the window',
      status: 400,
    })
    const error = await provider.sendWhatsApp({ to: '+15551234567', body: 'hello' }).catch((e) => e)
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { twilioCode: 63016 } })
    expect(JSON.stringify(error)).not.toContain(AUTH_TOKEN)
  })
})
