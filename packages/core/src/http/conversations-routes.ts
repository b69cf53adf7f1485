/**
 * Conversations: `POST /whatsapp/twilio` (Twilio's inbound WhatsApp webhook, answered with TwiML),
 * `GET /conversations/:phone`, `GET /conversations/:phone/history`,
 * `POST /conversations/:phone/reset` and `GET /analytics/conversations`.
 *
 * @module
 */
import { z } from 'zod'
import { mediaTypeOf, readBytes } from './body.js'
import { jsonResponse, notFound, unsupportedMediaType } from './http-errors.js'
import type { HttpRoute, RouteContext, WhatsAppInbound } from './http-options.js'
import { parseInput, queryOf, timeParam } from './query.js'

const FORM = 'application/x-www-form-urlencoded'

// The documented parameters of Twilio's inbound message webhook that a conversation needs.
const TwilioParamsSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'Expected SM or MM followed by 32 hex digits'),
  From: z.string().regex(/^whatsapp:\+?[0-9]{3,20}$/, 'Expected a whatsapp:+<number> address'),
  Body: z.string().max(65_536).default(''),
  ProfileName: z.string().max(1000).optional(),
})

/** Reads Twilio's form parameters (first value of each name) without verifying a signature. */
function parseTwilioParams(body: Uint8Array): WhatsAppInbound {
  const params = new URLSearchParams(new TextDecoder('utf-8', { fatal: false }).decode(body))
  const record: Record<string, string> = {}
  for (const [name, value] of params) if (!Object.hasOwn(record, name)) record[name] = value
  const parsed = parseInput(TwilioParamsSchema, record, 'Twilio WhatsApp message')
  const message: WhatsAppInbound = {
    messageSid: parsed.MessageSid,
    from: parsed.From.slice('whatsapp:'.length),
    body: parsed.Body,
  }
  if (parsed.ProfileName !== undefined) message.profileName = parsed.ProfileName
  return message
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;',
  )
}

/** TwiML answering a message: one `<Message>` with the reply, or an empty `<Response/>`. */
export function twimlReply(reply: string | undefined): Response {
  const inner =
    reply === undefined ? '<Response/>' : `<Response><Message>${escapeXml(reply)}</Message></Response>`
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>${inner}`, {
    status: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
  })
}

/**
 * `POST /whatsapp/twilio`: with `whatsapp.twilio` configured (the Twilio provider), the request's
 * `X-Twilio-Signature` is verified by it (401 `INVALID_SIGNATURE` otherwise) and it parses the
 * message; without it, the documented parameters are read as they are. A redelivered `MessageSid`
 * is answered with an empty TwiML response; otherwise the conversation's reply is sent back as
 * `<Message>`.
 */
async function postTwilioWhatsApp({ app, options, request }: RouteContext): Promise<Response> {
  const type = mediaTypeOf(request)
  if (type !== FORM) throw unsupportedMediaType(type, [FORM])
  const body = await readBytes(request, options.maxBodyBytes)
  const source = options.whatsapp.twilio
  let message: WhatsAppInbound
  if (source !== undefined) {
    const copy = new Request(request.url, { method: 'POST', headers: request.headers, body })
    message = await source.parseWhatsAppMessage(
      copy,
      options.whatsapp.url === undefined ? {} : { url: options.whatsapp.url },
    )
  } else {
    message = parseTwilioParams(body)
  }
  const inbound: Parameters<typeof app.conversations.receive>[0] = {
    from: message.from,
    text: message.body,
    id: message.messageSid,
    channel: 'whatsapp',
  }
  if (message.profileName !== undefined) inbound.profileName = message.profileName
  const result = await app.conversations.receive(inbound, { signal: request.signal })
  return twimlReply(result.duplicate ? undefined : result.reply)
}

async function conversationOf({ app, params, request }: RouteContext) {
  const conversation = await app.conversations.get(params.phone ?? '', { signal: request.signal })
  if (conversation === null) throw notFound('No conversation with this phone')
  return conversation
}

/** `GET /conversations/:phone`: the conversation's state without its history. */
async function getConversation(context: RouteContext): Promise<Response> {
  const { messages, ...state } = await conversationOf(context)
  return jsonResponse({ ...state, messageCount: messages.length })
}

/** `GET /conversations/:phone/history`: the messages, oldest first. */
async function getHistory(context: RouteContext): Promise<Response> {
  const conversation = await conversationOf(context)
  return jsonResponse({ phone: conversation.phone, messages: conversation.messages })
}

/** `POST /conversations/:phone/reset`: forgets the conversation; 404 when there is none. */
async function resetConversation({ app, params, request }: RouteContext): Promise<Response> {
  if (!(await app.conversations.reset(params.phone ?? '', { signal: request.signal })))
    throw notFound('No conversation with this phone')
  return jsonResponse({ reset: true })
}

const asDate = (value: string | number): Date | string =>
  typeof value === 'number' ? new Date(value) : value

const AnalyticsQuery = z.object({ from: timeParam.optional(), to: timeParam.optional() })

/** `GET /analytics/conversations?from&to`: conversation analytics over the period. */
async function getAnalytics({ app, url, request }: RouteContext): Promise<Response> {
  const query = parseInput(AnalyticsQuery, queryOf(url), 'query')
  const analytics = await app.conversations.analytics({
    signal: request.signal,
    ...(query.from === undefined ? {} : { from: asDate(query.from) }),
    ...(query.to === undefined ? {} : { to: asDate(query.to) }),
  })
  return jsonResponse(analytics)
}

/** The conversation routes: the WhatsApp intake (signed by Twilio) and management reads. */
export const conversationsRoutes: readonly HttpRoute[] = [
  { method: 'POST', path: '/whatsapp/twilio', management: false, handle: postTwilioWhatsApp },
  { method: 'GET', path: '/conversations/:phone', management: true, handle: getConversation },
  { method: 'GET', path: '/conversations/:phone/history', management: true, handle: getHistory },
  { method: 'POST', path: '/conversations/:phone/reset', management: true, handle: resetConversation },
  { method: 'GET', path: '/analytics/conversations', management: true, handle: getAnalytics },
]
