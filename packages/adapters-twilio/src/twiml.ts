/**
 * A small, typed, escaping TwiML builder: {@link twiml}.
 *
 * @module
 */

/** The call progress events Twilio can report for a dialed number (`statusCallbackEvent`). */
export type TwilioCallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed'

/** `GET` or `POST`, for the `method` attributes of TwiML. */
export type TwilioHttpMethod = 'GET' | 'POST'

/** Attributes of `<Dial>` (Twilio's `DialAttributes`); every one is optional. */
export interface DialAttributes {
  /** URL Twilio requests when the dialed call ends (with `DialCallStatus`); the call continues with its TwiML. */
  action?: string
  /** Method of the `action` request (default `POST`). */
  method?: TwilioHttpMethod
  /** Lets the caller hear the callee's ringing and keeps the caller's leg unanswered until the callee answers. */
  answerOnBridge?: boolean
  /** The caller id the dialed party sees: a Twilio number or a verified caller id. */
  callerId?: string
  /** Lets the caller end the dialed call by pressing `*`. */
  hangupOnStar?: boolean
  /** Records the dialed call. */
  record?:
    | 'do-not-record'
    | 'record-from-answer'
    | 'record-from-ringing'
    | 'record-from-answer-dual'
    | 'record-from-ringing-dual'
  /** URL Twilio requests when the recording is available. */
  recordingStatusCallback?: string
  /** Recording events reported to `recordingStatusCallback`. */
  recordingStatusCallbackEvent?: ReadonlyArray<'in-progress' | 'completed' | 'absent'>
  /** Method of the `recordingStatusCallback` request. */
  recordingStatusCallbackMethod?: TwilioHttpMethod
  /** Which audio to record. */
  recordingTrack?: 'both' | 'inbound' | 'outbound'
  /** The ringback tone the caller hears, by country code (e.g. `us`, `it`). */
  ringTone?: string
  /** Dials the nouns one after another instead of in parallel. */
  sequential?: boolean
  /** Longest duration of the dialed call, in seconds (default 14400). */
  timeLimit?: number
  /** How long to ring the dialed party, in seconds (default 30). */
  timeout?: number
  /** Trims silence from the recording. */
  trim?: 'trim-silence' | 'do-not-trim'
}

/** Attributes shared by the nouns of `<Dial>` that report call progress. */
export interface DialNounAttributes {
  /** URL Twilio requests with the dialed leg's status (its own `CallSid`, `ParentCallSid` = the caller's). */
  statusCallback?: string
  /** The events reported to `statusCallback` (default `completed` only). */
  statusCallbackEvent?: readonly TwilioCallProgressEvent[]
  /** Method of the `statusCallback` request. */
  statusCallbackMethod?: TwilioHttpMethod
  /** A URL whose TwiML plays to the dialed party before the call connects (a whisper). */
  url?: string
  /** Method of the `url` request. */
  method?: TwilioHttpMethod
}

/** Attributes of `<Number>`. */
export interface NumberAttributes extends DialNounAttributes {
  /** Digits to send once the number answers (`0-9`, `*`, `#`, `w` for a pause). */
  sendDigits?: string
  /** Answering machine detection on the dialed number. */
  machineDetection?: 'Enable' | 'DetectMessageEnd'
  /** URL Twilio requests with the detection's `AnsweredBy`. */
  amdStatusCallback?: string
  /** Method of the `amdStatusCallback` request. */
  amdStatusCallbackMethod?: TwilioHttpMethod
  /** The BYOC trunk to route the call through. */
  byoc?: string
}

/** Attributes of `<Client>` (a Twilio Voice SDK user). */
export type ClientAttributes = DialNounAttributes

/** Attributes of `<Sip>`. */
export interface SipAttributes extends DialNounAttributes {
  /** Username to authenticate with at the SIP endpoint. */
  username?: string
  /** Password to authenticate with at the SIP endpoint. */
  password?: string
}

/** Attributes of `<Say>`. */
export interface SayAttributes {
  /** The voice, e.g. `alice`, `Polly.Joanna`. */
  voice?: string
  /** The language, e.g. `en-US`, `it-IT`. */
  language?: string
  /** How many times to say it (0 repeats until the call ends). */
  loop?: number
}

/** Attributes of `<Message>` (messaging TwiML: a reply to an SMS or WhatsApp message). */
export interface MessageAttributes {
  /** The recipient (default: the sender of the incoming message). */
  to?: string
  /** The sender (default: the recipient of the incoming message). */
  from?: string
  /** URL Twilio requests with the message's status. */
  statusCallback?: string
  /** Media URLs to attach (each becomes a `<Media>`); the text then goes in `<Body>`. */
  media?: readonly string[]
}

/** The nouns a `<Dial>` connects to, see {@link TwimlResponse.dial}. */
export interface TwimlDial {
  /** A phone number (E.164). */
  number(phoneNumber: string, attributes?: NumberAttributes): TwimlDial
  /** A Twilio Voice SDK client identity (without the `client:` prefix). */
  client(identity: string, attributes?: ClientAttributes): TwimlDial
  /** A SIP URI (`sip:alice@example.com`). */
  sip(uri: string, attributes?: SipAttributes): TwimlDial
}

/** A TwiML document under construction, see {@link twiml}. */
export interface TwimlResponse {
  /** Speaks `text` to the caller. */
  say(text: string, attributes?: SayAttributes): TwimlResponse
  /**
   * Dials one number (a string), or the nouns the callback adds (numbers, clients and SIP URIs ring
   * in parallel, up to 10).
   */
  dial(target: string | ((dial: TwimlDial) => void), attributes?: DialAttributes): TwimlResponse
  /** Replies with a message (messaging webhooks: SMS, WhatsApp). */
  message(body: string, attributes?: MessageAttributes): TwimlResponse
  /** Ends the call. */
  hangup(): TwimlResponse
  /** The document: an XML declaration and the `<Response>` element. */
  toString(): string
}

type AttributeValue = string | number | boolean | readonly string[] | undefined

/**
 * Drops what XML 1.0 cannot carry at all: control characters other than tab, line feed and
 * carriage return, U+FFFE, U+FFFF and unpaired surrogates.
 */
function dropInvalidXml(value: string): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value.slice(i, i + 2)
        i++
      }
      continue
    }
    if (code >= 0xdc00 && code <= 0xdfff) continue
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) continue
    if (code === 0xfffe || code === 0xffff) continue
    out += value[i]
  }
  return out
}

/** Escapes text for an XML element's content. */
export function escapeXmlText(value: string): string {
  return dropInvalidXml(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Escapes text for a double- or single-quoted XML attribute. */
export function escapeXmlAttribute(value: string): string {
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;')
}

function attributesOf(attributes: object | undefined, skip: readonly string[] = []): string {
  if (attributes === undefined) return ''
  let out = ''
  for (const [name, value] of Object.entries(attributes) as [string, AttributeValue][]) {
    if (value === undefined || skip.includes(name)) continue
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new TypeError(`Invalid TwiML attribute name: ${name}`)
    let text: string
    if (Array.isArray(value)) text = value.join(' ')
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`TwiML attribute ${name} must be a finite number`)
      text = String(value)
    } else text = String(value)
    out += ` ${name}="${escapeXmlAttribute(text)}"`
  }
  return out
}

function element(
  name: string,
  attributes: object | undefined,
  content: string,
  skip?: readonly string[],
): string {
  const attrs = attributesOf(attributes, skip)
  return content === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`
}

/**
 * Starts a TwiML document. Every text and attribute is XML-escaped, so numbers, names and messages
 * that come from leads are safe to put in it.
 *
 * @example
 * ```ts
 * twiml()
 *   .dial((dial) => dial.number('+14155550199', { statusCallback: 'https://hooks.example.com/twilio' }), {
 *     answerOnBridge: true,
 *     timeout: 30,
 *     callerId: '+14155550000',
 *   })
 *   .toString()
 * // <?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" timeout="30" callerId="+14155550000">
 * //   <Number statusCallback="https://hooks.example.com/twilio">+14155550199</Number></Dial></Response>
 *
 * twiml().message('Thanks, an agent will call you in a minute.').toString()
 * ```
 */
export function twiml(): TwimlResponse {
  const parts: string[] = []
  const response: TwimlResponse = {
    say(text, attributes) {
      parts.push(element('Say', attributes, escapeXmlText(text)))
      return response
    },
    dial(target, attributes) {
      const nouns: string[] = []
      if (typeof target === 'string') nouns.push(escapeXmlText(target))
      else {
        const dial: TwimlDial = {
          number(phoneNumber, attrs) {
            nouns.push(element('Number', attrs, escapeXmlText(phoneNumber)))
            return dial
          },
          client(identity, attrs) {
            nouns.push(element('Client', attrs, escapeXmlText(identity)))
            return dial
          },
          sip(uri, attrs) {
            nouns.push(element('Sip', attrs, escapeXmlText(uri)))
            return dial
          },
        }
        target(dial)
      }
      parts.push(element('Dial', attributes, nouns.join('')))
      return response
    },
    message(body, attributes) {
      const media = attributes?.media ?? []
      const content =
        media.length === 0
          ? escapeXmlText(body)
          : (body === '' ? '' : `<Body>${escapeXmlText(body)}</Body>`) +
            media.map((url) => `<Media>${escapeXmlText(url)}</Media>`).join('')
      parts.push(element('Message', attributes, content, ['media']))
      return response
    },
    hangup() {
      parts.push('<Hangup/>')
      return response
    },
    toString() {
      return `<?xml version="1.0" encoding="UTF-8"?><Response>${parts.join('')}</Response>`
    },
  }
  return response
}
