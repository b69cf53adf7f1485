import { describe, expect, it } from 'vitest'
import { escapeXmlAttribute, escapeXmlText, twiml } from './twiml.js'

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

describe('twiml', () => {
  it('builds an empty response', () => {
    expect(twiml().toString()).toBe(`${DECLARATION}<Response></Response>`)
  })

  it('bridges with <Dial answerOnBridge> and a <Number> reporting every progress event', () => {
    const document = twiml()
      .dial(
        (dial) =>
          dial.number('+14155550199', {
            statusCallback: 'https://hooks.example.com/twilio?lc_leg=lead&lc_attempt=a1',
            statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
            statusCallbackMethod: 'POST',
          }),
        { answerOnBridge: true, timeout: 25, callerId: '+14155550000' },
      )
      .toString()
    expect(document).toBe(
      `${DECLARATION}<Response><Dial answerOnBridge="true" timeout="25" callerId="+14155550000">` +
        '<Number statusCallback="https://hooks.example.com/twilio?lc_leg=lead&amp;lc_attempt=a1" ' +
        'statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">+14155550199</Number>' +
        '</Dial></Response>',
    )
  })

  it('dials a bare number, clients and SIP URIs', () => {
    expect(twiml().dial('+14155550199').toString()).toContain('<Dial>+14155550199</Dial>')
    const document = twiml()
      .dial((dial) => dial.client('alice').sip('sip:bob@example.com', { username: 'bob' }).number('+1415'))
      .toString()
    expect(document).toContain(
      '<Dial><Client>alice</Client><Sip username="bob">sip:bob@example.com</Sip><Number>+1415</Number></Dial>',
    )
  })

  it('says, replies with messages (with media) and hangs up', () => {
    const document = twiml()
      .say('Connecting you now', { voice: 'alice', language: 'en-US', loop: 1 })
      .message('Thanks!')
      .message('Your brochure', { media: ['https://cdn.example.com/a.pdf'] })
      .message('', { media: ['https://cdn.example.com/b.png'] })
      .hangup()
      .toString()
    expect(document).toBe(
      `${DECLARATION}<Response><Say voice="alice" language="en-US" loop="1">Connecting you now</Say>` +
        '<Message>Thanks!</Message>' +
        '<Message><Body>Your brochure</Body><Media>https://cdn.example.com/a.pdf</Media></Message>' +
        '<Message><Media>https://cdn.example.com/b.png</Media></Message><Hangup/></Response>',
    )
  })

  it('escapes text so that a lead cannot inject TwiML', () => {
    const hostile = 'Bob</Say><Dial>+19005550100</Dial><Say>'
    const document = twiml().say(hostile).message(`A & B <c> "d" 'e'`).toString()
    expect(document).toContain('<Say>Bob&lt;/Say&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Say&gt;</Say>')
    expect(document).toContain(`<Message>A &amp; B &lt;c&gt; "d" 'e'</Message>`)
    expect(document.match(/<Dial>/g)).toBeNull()
  })

  it('escapes attributes, quotes and whitespace included', () => {
    const document = twiml()
      .dial('+1', { callerId: `"><Hangup/><x a='`, action: 'https://h.example.com/a?x=1&y=2\n' })
      .toString()
    expect(document).toContain(
      'callerId="&quot;&gt;&lt;Hangup/&gt;&lt;x a=&apos;" action="https://h.example.com/a?x=1&amp;y=2&#10;"',
    )
    expect(document).not.toContain('<Hangup/>')
  })

  it('drops characters XML cannot carry and keeps the rest of Unicode', () => {
    expect(escapeXmlText('a\u0000b\u0007c\u001Fd\uFFFEe')).toBe('abcde')
    expect(escapeXmlText('Zoë 👋 \t\n ok')).toBe('Zoë 👋 \t\n ok')
    expect(escapeXmlText('lone \uD800 surrogate')).toBe('lone  surrogate')
    expect(escapeXmlAttribute('tab\there')).toBe('tab&#9;here')
  })

  it('leaves out undefined attributes and refuses non-finite numbers', () => {
    expect(twiml().dial('+1', { timeout: undefined, callerId: '+2' }).toString()).toContain(
      '<Dial callerId="+2">',
    )
    expect(() => twiml().dial('+1', { timeout: Number.NaN })).toThrow(TypeError)
  })
})
