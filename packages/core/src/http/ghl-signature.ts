/**
 * GoHighLevel webhook signatures: `x-ghl-signature` (Ed25519) and the legacy `x-wh-signature`
 * (RSA PKCS#1 v1.5 with SHA-256), both Base64 over the JSON payload.
 *
 * @module
 */
import {
  createHash,
  createPublicKey,
  createVerify,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto'

/** A public key: PEM text (or, for Ed25519, the Base64 of the raw 32-byte key) or a `KeyObject`. */
export type GoHighLevelPublicKey = string | KeyObject

/** Input of {@link verifyGoHighLevelSignature}. */
export interface GoHighLevelSignatureInput {
  /** The request body exactly as received. */
  body: string
  /** The body already parsed, when the caller has it (saves parsing it again for the fallback). */
  parsed?: unknown
  /** The value of the `x-ghl-signature` header (Ed25519), if any. */
  ghlSignature?: string | null
  /** The value of the `x-wh-signature` header (RSA-SHA256), if any. */
  whSignature?: string | null
  /** HighLevel's Ed25519 public key, checking `x-ghl-signature`. */
  ed25519PublicKey?: GoHighLevelPublicKey
  /** HighLevel's RSA public key (PEM), checking `x-wh-signature`. */
  rsaPublicKey?: GoHighLevelPublicKey
}

/** The outcome of {@link verifyGoHighLevelSignature}. */
export type GoHighLevelSignatureResult =
  | {
      /** The signature is valid. */
      ok: true
      /** Which signature was checked. */
      scheme: 'ed25519' | 'rsa-sha256'
    }
  | {
      /** The signature is missing or invalid. */
      ok: false
      /** `missing`: no header that a configured key can check; `invalid`: it does not verify. */
      reason: 'missing' | 'invalid'
    }

/** The SPKI DER prefix of an Ed25519 public key (RFC 8410), followed by the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/**
 * Reads a public key: a `KeyObject` as is, PEM text, or Base64 of either the raw 32-byte Ed25519
 * key or a DER SubjectPublicKeyInfo. Throws when it is none of these.
 */
export function toPublicKey(key: GoHighLevelPublicKey): KeyObject {
  if (typeof key !== 'string') return key
  if (key.includes('-----BEGIN')) return createPublicKey(key)
  const der = Buffer.from(key.trim(), 'base64')
  if (der.byteLength === 32) {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, der]), format: 'der', type: 'spki' })
  }
  return createPublicKey({ key: der, format: 'der', type: 'spki' })
}

/** The texts a signature may cover: the raw body first, then the body re-serialised. */
function signedTexts(body: string, parsed: unknown): string[] {
  let value = parsed
  if (value === undefined) {
    try {
      value = JSON.parse(body)
    } catch {
      return [body]
    }
  }
  let reserialised: string
  try {
    reserialised = JSON.stringify(value)
  } catch {
    // Too deep to re-serialise (a RangeError): only the raw body can carry a signature.
    return [body]
  }
  return reserialised === body ? [body] : [body, reserialised]
}

function verifyEd25519(data: string, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, Buffer.from(data, 'utf8'), key, signature)
  } catch {
    return false
  }
}

function verifyRsaSha256(data: string, key: KeyObject, signature: Buffer): boolean {
  try {
    const verifier = createVerify('SHA256')
    verifier.update(data, 'utf8')
    verifier.end()
    return verifier.verify(key, signature)
  } catch {
    return false
  }
}

/**
 * Verifies a GoHighLevel webhook as HighLevel's own SDK does: when `x-ghl-signature` is present and
 * an Ed25519 key is configured, that signature decides (no fallback to the RSA one); otherwise
 * `x-wh-signature` is checked with the RSA key. Each is tried over the raw body first, then over
 * `JSON.stringify` of the parsed body, because HighLevel's examples sign the re-serialised JSON and
 * whether it signs the exact bytes is not documented.
 *
 * @example
 * ```ts
 * const raw = await request.text()
 * const check = verifyGoHighLevelSignature({
 *   body: raw,
 *   ghlSignature: request.headers.get('x-ghl-signature'),
 *   whSignature: request.headers.get('x-wh-signature'),
 *   rsaPublicKey: process.env.GHL_WEBHOOK_PUBLIC_KEY,
 * })
 * if (!check.ok) return new Response('invalid signature', { status: 401 })
 * ```
 */
export function verifyGoHighLevelSignature(input: GoHighLevelSignatureInput): GoHighLevelSignatureResult {
  const { ghlSignature, whSignature } = input
  if (ghlSignature && input.ed25519PublicKey !== undefined) {
    const key = toPublicKey(input.ed25519PublicKey)
    const signature = Buffer.from(ghlSignature.trim(), 'base64')
    const ok = signedTexts(input.body, input.parsed).some((text) => verifyEd25519(text, key, signature))
    return ok ? { ok: true, scheme: 'ed25519' } : { ok: false, reason: 'invalid' }
  }
  if (whSignature && input.rsaPublicKey !== undefined) {
    const key = toPublicKey(input.rsaPublicKey)
    const signature = Buffer.from(whSignature.trim(), 'base64')
    const ok = signedTexts(input.body, input.parsed).some((text) => verifyRsaSha256(text, key, signature))
    return ok ? { ok: true, scheme: 'rsa-sha256' } : { ok: false, reason: 'invalid' }
  }
  return { ok: false, reason: 'missing' }
}

/**
 * Compares a presented secret with the expected one in constant time (both hashed first, so their
 * lengths leak nothing either).
 */
export function secretsMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}
