/**
 * Twilio WhatsApp inbound messages: {@link parseTwilioWhatsAppMessage}.
 *
 * @module
 */
import { type ValidationIssue, validationError } from '@leadcall/core/provider'
import { checkFields, matching, optional, text } from './twilio-checks.js'
import { MESSAGE_SID } from './twilio-sids.js'

/** One media attachment of an inbound message. */
export interface TwilioWhatsAppMedia {
  /** Where Twilio serves the media (fetching it needs the account's credentials). */
  url: string
  /** Its MIME type, e.g. `image/jpeg`, when Twilio gave one. */
  contentType?: string
}

/** A WhatsApp message received through Twilio, see {@link parseTwilioWhatsAppMessage}. */
export interface TwilioWhatsAppMessage {
  /** The message's SID (`SM…` or `MM…`, 34 characters); de-duplicate redeliveries with it. */
  messageSid: string
  /** The account that received it. */
  accountSid?: string
  /** The Messaging Service that received it, when one did. */
  messagingServiceSid?: string
  /** The sender's number without the `whatsapp:` prefix, e.g. `+15551234567`. */
  from: string
  /** The number the message was sent to, without the `whatsapp:` prefix. */
  to: string
  /** The sender's address as Twilio gave it (`whatsapp:+15551234567`): reply to this one. */
  fromAddress: string
  /** The receiving address (`whatsapp:+1…`): reply from this one. */
  toAddress: string
  /** The sender's WhatsApp profile name, when WhatsApp shared it. */
  profileName?: string
  /** The sender's WhatsApp id (digits, no `+`). */
  waId?: string
  /** The text (empty for a media-only message). */
  body: string
  /** Attachments, in order (`MediaUrl0`, `MediaUrl1`, …). */
  media: TwilioWhatsAppMedia[]
  /** Every parameter Twilio sent, for fields this type does not model (`MessageType`, `ButtonText`, …). */
  raw: Record<string, string>
}

const WHATSAPP_ADDRESS = /^whatsapp:(\+?[0-9A-Za-z@._-]+)$/

const MESSAGE_FIELDS = {
  MessageSid: matching(MESSAGE_SID, 'Expected SM or MM followed by 32 hex digits'),
  From: matching(WHATSAPP_ADDRESS, 'Expected a whatsapp: address'),
  To: matching(WHATSAPP_ADDRESS, 'Expected a whatsapp: address'),
  Body: optional(text(65_536, 0)),
  NumMedia: optional(matching(/^(?:[0-9]|10)$/, 'Expected a whole number from 0 to 10')),
  ProfileName: optional(text(1000, 0)),
  WaId: optional(text(100, 0)),
}

/**
 * Reads the parameters of an inbound WhatsApp message webhook (form-encoded, like SMS): the
 * `whatsapp:` addresses, `MessageSid`, `ProfileName`, `WaId`, `Body` and the media
 * (`NumMedia`, `MediaUrlN`, `MediaContentTypeN`). It does not verify the signature: verify the
 * request first (`provider.parseWhatsAppMessage(request)` does both).
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when it is not a WhatsApp message (an SMS has no
 * `whatsapp:` prefix) or a field is malformed.
 */
export function parseTwilioWhatsAppMessage(params: URLSearchParams): TwilioWhatsAppMessage {
  const record: Record<string, string> = {}
  for (const [name, value] of params) if (!(name in record)) record[name] = value
  const issues: ValidationIssue[] = []
  checkFields(record, MESSAGE_FIELDS, issues)
  if (issues.length > 0) throw validationError('Twilio WhatsApp message', issues)
  // Checked above: the three are present and well formed.
  const data = {
    MessageSid: record.MessageSid as string,
    From: record.From as string,
    To: record.To as string,
    Body: record.Body ?? '',
    NumMedia: Number(record.NumMedia ?? 0),
    AccountSid: record.AccountSid,
    MessagingServiceSid: record.MessagingServiceSid,
    ProfileName: record.ProfileName,
    WaId: record.WaId,
  }
  const media: TwilioWhatsAppMedia[] = []
  for (let index = 0; index < data.NumMedia; index++) {
    const url = record[`MediaUrl${index}`]
    if (url === undefined) continue
    const contentType = record[`MediaContentType${index}`]
    media.push(contentType === undefined ? { url } : { url, contentType })
  }
  const message: TwilioWhatsAppMessage = {
    messageSid: data.MessageSid,
    from: data.From.slice('whatsapp:'.length),
    to: data.To.slice('whatsapp:'.length),
    fromAddress: data.From,
    toAddress: data.To,
    body: data.Body,
    media,
    raw: record,
  }
  if (data.AccountSid) message.accountSid = data.AccountSid
  if (data.MessagingServiceSid) message.messagingServiceSid = data.MessagingServiceSid
  if (data.ProfileName) message.profileName = data.ProfileName
  if (data.WaId) message.waId = data.WaId
  return message
}
