/**
 * A local stand-in for Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Calls.json`), so that
 * the Lambda tests dial through the real Twilio adapter without reaching Twilio: it answers a call
 * creation as Twilio does (201 and the Call resource) and keeps each request's form.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { serverUrl } from '@leadcall/example-config'

/** One call creation the stand-in received. */
export interface CreatedCall {
  sid: string
  form: URLSearchParams
  authorization: string | undefined
}

/** The running stand-in. */
export interface TwilioRestStandIn {
  /** Its base URL, for `TWILIO_BASE_URL`. */
  url: string
  /** The calls created, in order. */
  calls: CreatedCall[]
  close(): Promise<void>
}

/** Twilio's date format (RFC 2822 with `+0000`). */
const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000')

/** Starts the stand-in for the account `accountSid` on a free port of the loopback. */
export async function startTwilioRestStandIn(accountSid: string): Promise<TwilioRestStandIn> {
  const calls: CreatedCall[] = []
  const createPath = `/2010-04-01/Accounts/${accountSid}/Calls.json`
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      response.setHeader('content-type', 'application/json; charset=utf-8')
      if (request.method !== 'POST' || request.url !== createPath) {
        response.statusCode = 404
        response.end(
          JSON.stringify({
            code: 20404,
            message: `The requested resource ${request.url} was not found`,
            more_info: 'https://www.twilio.com/docs/errors/20404',
            status: 404,
          }),
        )
        return
      }
      const form = new URLSearchParams(body)
      const sid = `CA${randomBytes(16).toString('hex')}`
      calls.push({ sid, form, authorization: request.headers.authorization })
      const now = rfc2822(new Date())
      response.statusCode = 201
      response.end(
        JSON.stringify({
          account_sid: accountSid,
          answered_by: null,
          api_version: '2010-04-01',
          date_created: now,
          date_updated: now,
          direction: 'outbound-api',
          duration: null,
          end_time: null,
          from: form.get('From'),
          parent_call_sid: null,
          sid,
          start_time: null,
          status: 'queued',
          to: form.get('To'),
          uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: serverUrl(server.address()),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
