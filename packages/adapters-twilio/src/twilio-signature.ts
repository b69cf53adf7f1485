import { Buffer } from 'node:buffer'

/**
 * `node:crypto`, loaded when a signature is first computed rather than with the package: it is a
 * third of the adapter's import time, and a process that places calls without receiving webhooks
 * (a worker) never needs it.
 */
const nodeCrypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto')

/**
 * The POST parameters of a form-encoded Twilio webhook: a plain record (a repeated key holds an
 * array of its values) or a `URLSearchParams` parsed from the raw body, whose repeated keys are
 * read with `getAll`.
 */
export type TwilioParams = Readonly<Record<string, string | readonly string[] | undefined>> | URLSearchParams

/** Input of {@link computeTwilioSignature}. */
export interface ComputeTwilioSignatureInput {
  /** The account's Auth Token (the HMAC key). */
  authToken: string
  /** The full URL Twilio requested, used byte for byte as given. */
  url: string
  /** The form-encoded POST parameters; omit for GET requests and JSON bodies. */
  params?: TwilioParams
}

/** Input of {@link verifyTwilioSignature}. */
export interface VerifyTwilioSignatureInput {
  /** The account's Auth Token (the HMAC key). */
  authToken: string
  /**
   * The full URL Twilio requested: scheme, host, optional port, path and query string exactly as
   * configured on the Twilio side (behind a proxy, the public URL, not the internal one).
   */
  url: string
  /** The form-encoded POST parameters (`application/x-www-form-urlencoded` webhooks). */
  params?: TwilioParams
  /**
   * The raw body of a JSON-bodied webhook. When given, the URL must carry a `bodySHA256` query
   * parameter equal to the lowercase hex SHA-256 of these exact bytes, the signature is checked
   * over the URL alone, and `params` is not used.
   */
  body?: string | Uint8Array
  /** The value of the `X-Twilio-Signature` header; `null`/`undefined` when it was absent. */
  signature: string | null | undefined
}

/**
 * Computes the `X-Twilio-Signature` Twilio sends for a request: the URL followed, for each
 * parameter name in sorted order, by `name + value` (a repeated name contributes each of its
 * distinct values, sorted), HMAC-SHA1 keyed with the Auth Token, Base64-encoded.
 *
 * The URL is used exactly as given; {@link verifyTwilioSignature} is the one that also tries the
 * port variants. Useful to sign requests in tests and local simulators.
 *
 * @example
 * ```ts
 * computeTwilioSignature({
 *   authToken: '12345',
 *   url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
 *   params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
 * }) // 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
 * ```
 */
export function computeTwilioSignature(input: ComputeTwilioSignatureInput): string {
  const { authToken, url, params } = input
  return nodeCrypto()
    .createHmac('sha1', authToken)
    .update(url + serializeParams(params), 'utf8')
    .digest('base64')
}

/**
 * Checks the `X-Twilio-Signature` of an incoming webhook the way Twilio's own helper library
 * does, and never throws: any missing, malformed or mismatching input returns `false`.
 *
 * - Form-encoded webhooks: pass `params`; the signature covers the URL plus the sorted parameters.
 * - JSON-bodied webhooks (the URL carries `bodySHA256`): pass the raw `body`; the signature covers
 *   the URL alone and the body must hash to `bodySHA256`. A `body` without `bodySHA256` in the URL
 *   fails, and so does a URL with `bodySHA256` but no `body` (its body would go unchecked).
 * - Port tolerance: the signature is accepted for the URL as given, without its port, and with the
 *   default port added (`:443` for https, `:80` for http) when it has none, both for the URL as
 *   given and for its WHATWG-normalised form (what `new URL(url).href` gives).
 *
 * Comparisons are constant-time (`crypto.timingSafeEqual` on equal-length buffers).
 *
 * @example
 * ```ts
 * const form = new URLSearchParams(await request.text())
 * const ok = verifyTwilioSignature({
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   url: 'https://hooks.example.com/twilio/status',
 *   params: form,
 *   signature: request.headers.get('x-twilio-signature'),
 * })
 * if (!ok) return new Response('Forbidden', { status: 403 })
 * ```
 */
export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  try {
    return verify(input)
  } catch {
    return false
  }
}

function verify(input: VerifyTwilioSignatureInput): boolean {
  if (typeof input !== 'object' || input === null) return false
  const { authToken, url, params, body, signature } = input
  if (typeof authToken !== 'string' || authToken === '') return false
  if (typeof url !== 'string' || url === '') return false
  if (typeof signature !== 'string' || signature === '') return false

  // Twilio only requests absolute URLs; one that does not parse cannot be the signed one.
  const parsed = new URL(url)
  const expectedHash = parsed.searchParams.get('bodySHA256')
  let signedParams: TwilioParams | undefined = params
  if (body === undefined) {
    // The signature of a JSON-bodied request does not cover its body: without the body to hash,
    // accepting it would let anyone replay the URL with a different body.
    if (expectedHash !== null) return false
  } else {
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) return false
    if (!expectedHash) return false
    const actualHash = nodeCrypto().createHash('sha256').update(body).digest('hex')
    if (!constantTimeEqual(actualHash, expectedHash)) return false
    signedParams = undefined
  }

  const suffix = serializeParams(signedParams)
  let valid = false
  for (const candidate of urlCandidates(url, parsed.href)) {
    const expected = nodeCrypto()
      .createHmac('sha1', authToken)
      .update(candidate + suffix, 'utf8')
      .digest('base64')
    // No early exit: every candidate is compared, so timing does not reveal which one matched.
    if (constantTimeEqual(expected, signature)) valid = true
  }
  return valid
}

/** `name + value` for every parameter, names sorted; a repeated name adds its distinct values, sorted. */
function serializeParams(params: TwilioParams | undefined): string {
  if (params === undefined || params === null) return ''
  const entries = new Map<string, string[]>()
  if (params instanceof URLSearchParams) {
    for (const name of new Set(params.keys())) entries.set(name, params.getAll(name))
  } else if (typeof params === 'object') {
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue
      entries.set(name, Array.isArray(value) ? value.map(String) : [String(value)])
    }
  } else {
    throw new TypeError('params must be an object or URLSearchParams')
  }
  let out = ''
  // Default sort (UTF-16 code units), as Twilio's helper libraries sort; names are ASCII in practice.
  for (const name of [...entries.keys()].sort()) {
    const values = entries.get(name) ?? []
    const distinct = values.length > 1 ? [...new Set(values)].sort() : values
    for (const value of distinct) out += name + value
  }
  return out
}

const AUTHORITY = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s

/**
 * The URL strings a signature may have been computed over: as given and WHATWG-normalised, each
 * with the port removed and (when it has none) with the scheme's default port added.
 */
function urlCandidates(url: string, normalized: string): string[] {
  const candidates = new Set<string>()
  const addVariants = (value: string): void => {
    candidates.add(value)
    const match = AUTHORITY.exec(value)
    if (!match) return
    const [, scheme = '', authority = '', rest = ''] = match
    const at = authority.lastIndexOf('@')
    const userinfo = authority.slice(0, at + 1)
    const hostPort = authority.slice(at + 1)
    // An IPv6 literal is bracketed, so a port is a `:digits` suffix after the host (or after `]`).
    const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort)
    if (!portMatch) return
    const host = portMatch[1] ?? ''
    const port = portMatch[2]
    candidates.add(scheme + userinfo + host + rest)
    if (port === undefined) {
      const lower = scheme.toLowerCase()
      const defaultPort = lower === 'https://' ? '443' : lower === 'http://' ? '80' : undefined
      if (defaultPort) candidates.add(`${scheme}${userinfo}${host}:${defaultPort}${rest}`)
    }
  }
  addVariants(url)
  if (normalized !== url) addVariants(normalized)
  return [...candidates]
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  if (left.length !== right.length) {
    // Compare against itself so a length mismatch costs about as much as a content mismatch.
    nodeCrypto().timingSafeEqual(left, left)
    return false
  }
  return nodeCrypto().timingSafeEqual(left, right)
}
