import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { computeTwilioSignature, verifyTwilioSignature } from './twilio-signature.js'

// Test vectors published with Twilio's official Node helper (twilio/twilio-node
// spec/validation.spec.js), cited in PROVIDERS.md §2.6.
const authToken = '12345'
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
}
const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
const body = '{"property": "value", "boolean": true}'
const bodyHash = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620'
const urlWithHash = `${url}&bodySHA256=${bodyHash}`
const urlWithHashSignature = 'a9nBmqA0ju/hNViExpshrM61xv4='

describe('computeTwilioSignature', () => {
  it('reproduces the vendor vector for the base URL and default params', () => {
    expect(computeTwilioSignature({ authToken, url, params })).toBe(signature)
  })

  it('signs the URL alone when there are no params', () => {
    expect(computeTwilioSignature({ authToken, url: urlWithHash })).toBe(urlWithHashSignature)
  })

  it('gives the same result for a record and for URLSearchParams', () => {
    const form = new URLSearchParams(params)
    expect(computeTwilioSignature({ authToken, url, params: form })).toBe(signature)
  })

  it('does not depend on the order the params were given in', () => {
    const reversed = Object.fromEntries(Object.entries(params).reverse())
    expect(computeTwilioSignature({ authToken, url, params: reversed })).toBe(signature)
  })
})

describe('verifyTwilioSignature — form-encoded webhooks', () => {
  it('accepts the vendor vector', () => {
    expect(verifyTwilioSignature({ authToken, url, params, signature })).toBe(true)
  })

  it('accepts params given as URLSearchParams (a parsed raw body)', () => {
    const form = new URLSearchParams(
      'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212',
    )
    expect(verifyTwilioSignature({ authToken, url, params: form, signature })).toBe(true)
  })

  it.each([
    ['a wrong signature', 'WRONG_SIGNATURE'],
    ['a signature of the right length but wrong content', 'RSOYDt4T1cUTdK1PDd93/VVr8B9='],
    ['an empty signature', ''],
    ['a missing signature (undefined)', undefined],
    ['a missing header (null)', null],
  ])('rejects %s', (_label, bad) => {
    expect(verifyTwilioSignature({ authToken, url, params, signature: bad })).toBe(false)
  })

  it('rejects another auth token', () => {
    expect(verifyTwilioSignature({ authToken: '54321', url, params, signature })).toBe(false)
  })

  it.each([
    ['an extra query parameter', `${url}&somethingUnexpected=true`],
    ['another path', 'https://mycompany.com/other.php?foo=1&bar=2'],
    ['another host', 'https://evil.example.com/myapp.php?foo=1&bar=2'],
    ['another scheme', 'http://mycompany.com/myapp.php?foo=1&bar=2'],
    ['a changed query value', 'https://mycompany.com/myapp.php?foo=2&bar=2'],
  ])('rejects a tampered URL: %s', (_label, tampered) => {
    expect(verifyTwilioSignature({ authToken, url: tampered, params, signature })).toBe(false)
  })

  it('rejects tampered params', () => {
    expect(
      verifyTwilioSignature({ authToken, url, params: { ...params, To: '+18005550000' }, signature }),
    ).toBe(false)
    expect(verifyTwilioSignature({ authToken, url, params: { ...params, Extra: 'x' }, signature })).toBe(
      false,
    )
    const { Digits: _dropped, ...withoutDigits } = params
    expect(verifyTwilioSignature({ authToken, url, params: withoutDigits, signature })).toBe(false)
    expect(verifyTwilioSignature({ authToken, url, signature })).toBe(false)
  })

  it('accepts the vendor vector for a URL with special characters in the query', () => {
    const special = `${url}&Body=It's+amazing`
    expect(
      verifyTwilioSignature({ authToken, url: special, params, signature: 'dsq4Ehbj6cs+KdTkpF5sSSplOWw=' }),
    ).toBe(true)
  })

  it('accepts the vendor vectors for URLs with credentials', () => {
    const withCreds = 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2'
    expect(
      verifyTwilioSignature({ authToken, url: withCreds, params, signature: 'CukzLTc1tT5dXEDIHm/tKBanW10=' }),
    ).toBe(true)
    // The same URL signed with the default port added.
    expect(
      verifyTwilioSignature({ authToken, url: withCreds, params, signature: 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=' }),
    ).toBe(true)
    const withUser = 'https://user@mycompany.com/myapp.php?foo=1&bar=2'
    expect(
      verifyTwilioSignature({ authToken, url: withUser, params, signature: '2YRLlVAflCqxaNicjMpJcSTgzSs=' }),
    ).toBe(true)
  })
})

describe('verifyTwilioSignature — repeated keys', () => {
  it('accepts the vendor vector for an array parameter', () => {
    const arrayParams = { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }
    expect(
      verifyTwilioSignature({
        authToken,
        url,
        params: arrayParams,
        signature: '83O6e2vORAoJHUNzJjDWN1jz+BA=',
      }),
    ).toBe(true)
  })

  it('sorts the values of a repeated key, whatever order they came in', () => {
    const arrayParams = { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }
    expect(
      verifyTwilioSignature({
        authToken,
        url,
        params: arrayParams,
        signature: '83O6e2vORAoJHUNzJjDWN1jz+BA=',
      }),
    ).toBe(true)
  })

  it('appends each distinct value of a repeated key once (vendor vector with duplicates)', () => {
    const multi = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }
    expect(
      verifyTwilioSignature({ authToken, url, params: multi, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=' }),
    ).toBe(true)
    // A raw form body with the key repeated gives the same result through URLSearchParams.
    const form = new URLSearchParams('Sid=CA123&Digits=5678&SidAccount=AC123&Digits=1234&Digits=1234')
    expect(
      verifyTwilioSignature({ authToken, url, params: form, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=' }),
    ).toBe(true)
  })

  it('rejects a repeated key whose values were tampered with', () => {
    const multi = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '9999'] }
    expect(
      verifyTwilioSignature({ authToken, url, params: multi, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=' }),
    ).toBe(false)
  })
})

describe('verifyTwilioSignature — ports', () => {
  it('accepts an https URL with a port by stripping it (vendor vector)', () => {
    const withPort = url.replace('.com', '.com:1234')
    expect(verifyTwilioSignature({ authToken, url: withPort, params, signature })).toBe(true)
  })

  it('accepts an http URL signed with its explicit port (vendor vector)', () => {
    const withPort = url.replace('.com', '.com:1234').replace('https', 'http')
    expect(
      verifyTwilioSignature({ authToken, url: withPort, params, signature: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=' }),
    ).toBe(true)
  })

  it('accepts an https URL signed with the default port 443 added (vendor vector)', () => {
    expect(verifyTwilioSignature({ authToken, url, params, signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=' })).toBe(
      true,
    )
  })

  it('accepts an http URL signed with the default port 80 added (vendor vector)', () => {
    const http = url.replace('https', 'http')
    expect(
      verifyTwilioSignature({ authToken, url: http, params, signature: '0ZXoZLH/DfblKGATFgpif+LLRf4=' }),
    ).toBe(true)
  })

  it('accepts a URL given with :443 when Twilio signed it without a port', () => {
    const explicit = 'https://mycompany.com:443/myapp.php?foo=1&bar=2'
    expect(verifyTwilioSignature({ authToken, url: explicit, params, signature })).toBe(true)
  })

  it('does not accept the http default port for an https URL', () => {
    const signed80 = computeTwilioSignature({
      authToken,
      url: 'https://mycompany.com:80/myapp.php?foo=1&bar=2',
      params,
    })
    expect(verifyTwilioSignature({ authToken, url, params, signature: signed80 })).toBe(false)
  })

  it('handles IPv6 hosts with and without a port', () => {
    const v6 = 'https://[2001:db8::1]/hook'
    const signedWithPort = computeTwilioSignature({
      authToken,
      url: 'https://[2001:db8::1]:443/hook',
      params,
    })
    expect(verifyTwilioSignature({ authToken, url: v6, params, signature: signedWithPort })).toBe(true)
    const signedWithoutPort = computeTwilioSignature({ authToken, url: v6, params })
    expect(
      verifyTwilioSignature({
        authToken,
        url: 'https://[2001:db8::1]:8443/hook',
        params,
        signature: signedWithoutPort,
      }),
    ).toBe(true)
  })
})

describe('verifyTwilioSignature — JSON bodies (bodySHA256)', () => {
  it('accepts the vendor vector', () => {
    expect(
      verifyTwilioSignature({ authToken, url: urlWithHash, body, signature: urlWithHashSignature }),
    ).toBe(true)
  })

  it('accepts the body as bytes', () => {
    const bytes = new TextEncoder().encode(body)
    expect(
      verifyTwilioSignature({ authToken, url: urlWithHash, body: bytes, signature: urlWithHashSignature }),
    ).toBe(true)
  })

  it('accepts the vendor vector for an empty JSON object body', () => {
    const emptyHash = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    expect(createHash('sha256').update('{}').digest('hex')).toBe(emptyHash)
    expect(
      verifyTwilioSignature({
        authToken,
        url: `${url}&bodySHA256=${emptyHash}`,
        body: '{}',
        signature: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
      }),
    ).toBe(true)
  })

  it('accepts the vendor vector with bodySHA256 as the only query parameter', () => {
    const shortUrl = `https://mycompany.com/myapp.php?bodySHA256=${bodyHash}`
    expect(
      verifyTwilioSignature({ authToken, url: shortUrl, body, signature: 'y77kIzt2vzLz71DgmJGsen2scGs=' }),
    ).toBe(true)
  })

  it('signs the URL only: params are not appended', () => {
    expect(
      verifyTwilioSignature({ authToken, url: urlWithHash, body, params, signature: urlWithHashSignature }),
    ).toBe(true)
  })

  it('rejects a tampered body', () => {
    const tampered = '{"property": "value", "boolean": false}'
    expect(
      verifyTwilioSignature({ authToken, url: urlWithHash, body: tampered, signature: urlWithHashSignature }),
    ).toBe(false)
    expect(
      verifyTwilioSignature({
        authToken,
        url: urlWithHash,
        body: `${body} `,
        signature: urlWithHashSignature,
      }),
    ).toBe(false)
  })

  it('rejects a wrong bodySHA256 in the URL', () => {
    const wrongHash = `${url}&bodySHA256=${bodyHash.slice(0, -1)}`
    expect(verifyTwilioSignature({ authToken, url: wrongHash, body, signature: urlWithHashSignature })).toBe(
      false,
    )
  })

  it('rejects a body when the URL has no bodySHA256 (vendor case)', () => {
    expect(verifyTwilioSignature({ authToken, url, params, body, signature })).toBe(false)
  })

  it('rejects a URL with bodySHA256 when no body is given to check', () => {
    expect(verifyTwilioSignature({ authToken, url: urlWithHash, signature: urlWithHashSignature })).toBe(
      false,
    )
    expect(
      verifyTwilioSignature({ authToken, url: urlWithHash, params: {}, signature: urlWithHashSignature }),
    ).toBe(false)
  })

  it('rejects a valid body hash with a wrong signature', () => {
    expect(verifyTwilioSignature({ authToken, url: urlWithHash, body, signature })).toBe(false)
  })
})

describe('verifyTwilioSignature — garbage input never throws', () => {
  const cases: Array<[string, unknown]> = [
    ['undefined input', undefined],
    ['null input', null],
    ['a string input', 'nope'],
    ['an empty auth token', { authToken: '', url, params, signature }],
    ['a numeric auth token', { authToken: 12345, url, params, signature }],
    ['a non-string signature', { authToken, url, params, signature: 42 }],
    ['a relative URL', { authToken, url: '/myapp.php', params, signature }],
    ['a malformed URL', { authToken, url: 'https://[bad', params, signature }],
    ['a non-string URL', { authToken, url: { href: url }, params, signature }],
    ['params that are a string', { authToken, url, params: 'CallSid=CA1', signature }],
    ['a body that is a number', { authToken, url: urlWithHash, body: 42, signature: urlWithHashSignature }],
    ['a non-ASCII signature', { authToken, url, params, signature: 'ŘSOYDt4T1cUTdK1PDd93/VVr8B8' }],
  ]
  it.each(cases)('returns false for %s', (_label, input) => {
    expect(() => verifyTwilioSignature(input as never)).not.toThrow()
    expect(verifyTwilioSignature(input as never)).toBe(false)
  })
})
