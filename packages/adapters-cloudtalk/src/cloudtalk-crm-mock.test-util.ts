/**
 * The CloudTalk mock of the telephony tests, extended with contact notes
 * (`PUT /notes/add/{contactId}.json`, as CloudTalk's OpenAPI document describes it: `{ note,
 * user_id? }` → 201 `responseData.data.id`, 404 for an unknown contact, 406 without `note`), and
 * the CRM conformance kit's backend over it.
 */
import type { CrmMockBackend, CrmRecordView } from '@leadcall/core/testing'
import { HttpResponse, http } from 'msw'
import {
  API,
  BASIC,
  cloudtalkMock,
  errorEnvelope,
  KEY_SECRET,
  type MockContact,
} from './cloudtalk-mock.test-util.js'

/** A note the mock stored. */
export interface MockNote {
  id: string
  contactId: string
  note: string
  userId?: number
}

/** Creates the CloudTalk mock with notes, and the CRM backend. */
export function cloudtalkCrmMock() {
  const mock = cloudtalkMock()
  const notes: MockNote[] = []
  const noteFailures: { status: number; body: unknown }[] = []
  const held = new Set<() => void>()
  let hanging = false
  let noteRequests = 0
  let ids = 90_000

  mock.server.use(
    http.put(`${API}/notes/add/:file`, async ({ request, params }) => {
      noteRequests++
      if (hanging) {
        await new Promise<void>((resolve) => {
          const release = (): void => {
            held.delete(release)
            resolve()
          }
          held.add(release)
          request.signal.addEventListener('abort', release, { once: true })
        })
        return new HttpResponse(null, { status: 503 })
      }
      const authorization = request.headers.get('authorization')
      if (authorization !== BASIC) {
        return HttpResponse.json(errorEnvelope(401, `Unauthorized (${authorization})`), { status: 401 })
      }
      const failure = noteFailures.shift()
      if (failure)
        return HttpResponse.json(failure.body as Record<string, unknown>, { status: failure.status })
      const contactId = String(params.file).replace(/\.json$/, '')
      if (!mock.contacts.has(contactId))
        return HttpResponse.json(errorEnvelope(404, 'Not found.'), { status: 404 })
      const body = (await request.json().catch(() => ({}))) as { note?: unknown; user_id?: unknown }
      if (typeof body.note !== 'string' || body.note === '') {
        return HttpResponse.json(
          errorEnvelope(406, 'Invalid input data.', { note: ['This field is required.'] }),
          {
            status: 406,
          },
        )
      }
      const note: MockNote = {
        id: String(++ids),
        contactId,
        note: body.note,
        ...(typeof body.user_id === 'number' ? { userId: body.user_id } : {}),
      }
      notes.push(note)
      return HttpResponse.json({ responseData: { status: 201, data: { id: note.id } } }, { status: 201 })
    }),
  )

  function view(contact: MockContact): CrmRecordView {
    return {
      id: contact.id,
      phones: [...contact.numbers],
      emails: [...contact.emails],
      name: contact.name,
      // CloudTalk contacts have no closed state.
      open: true,
      notes: notes.filter((note) => note.contactId === contact.id).map((note) => note.note),
      details: contact.company ?? '',
      tags: [...contact.tags],
    }
  }

  const ADD = 'PUT /contacts/add.json'

  const backend: CrmMockBackend = {
    secrets: mock.backend.secrets,
    records: () => [...mock.contacts.values()].map(view),
    seed: (seed) =>
      mock.seedContact({
        name: seed.name,
        numbers: seed.phone ? [seed.phone] : [],
        emails: seed.email ? [seed.email] : [],
        tags: [],
      }).id,
    failures: [
      {
        name: '401 echoing the credentials on the search',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () =>
          mock.fail(
            'GET /contacts/index.json',
            401,
            errorEnvelope(401, `Unauthorized (${BASIC} ${KEY_SECRET})`),
          ),
      },
      {
        name: '406 Invalid input data. on create',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () =>
          mock.fail(
            ADD,
            406,
            errorEnvelope(406, 'Invalid input data.', {
              public_number: ['Please supply a valid phone number.'],
            }),
          ),
      },
      {
        name: '429 Too Many Requests on create',
        expectedCode: 'RATE_LIMITED',
        arrange: () =>
          mock.fail(ADD, 429, errorEnvelope(429, 'Too Many Requests'), {
            'X-CloudTalkAPI-Limit': '60',
            'X-CloudTalkAPI-Remaining': '0',
            'X-CloudTalkAPI-ResetTime': String(Math.ceil(Date.now() / 1000) + 30),
          }),
      },
      {
        name: '500 Something went wrong. on create',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => mock.fail(ADD, 500, errorEnvelope(500, 'Something went wrong.')),
      },
      {
        name: '502 with an HTML body on create',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => mock.failRaw(ADD, 502, '<html><body>Bad Gateway</body></html>', 'text/html'),
      },
      {
        name: '200 whose body is not an envelope on create',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => mock.failRaw(ADD, 200, '<html>ok</html>', 'text/html'),
      },
      {
        name: '500 Something went wrong. on the note',
        expectedCode: 'CONTACT_CREATION_FAILED',
        arrange: () => {
          noteFailures.push({ status: 500, body: errorEnvelope(500, 'Something went wrong.') })
        },
      },
    ],
    hang: () => {
      hanging = true
      mock.backend.hang()
    },
    pendingRequests: () => held.size + (mock.backend.pendingRequests?.() ?? 0),
    requestCount: () => mock.received.length + noteRequests,
    setup: () => mock.server.listen({ onUnhandledRequest: 'error' }),
    reset: () => reset(),
    teardown: () => mock.server.close(),
  }

  function reset(): void {
    mock.reset()
    notes.length = 0
    noteFailures.length = 0
    hanging = false
    noteRequests = 0
    for (const release of [...held]) release()
  }

  return {
    mock,
    notes,
    backend,
    reset,
    /** Makes the next note request fail with this status and body. */
    failNote(status: number, body: unknown): void {
      noteFailures.push({ status, body })
    },
    /** Options wiring `cloudtalkCrm()` to the mock. */
    options: { accessKeyId: mock.options.accessKeyId, accessKeySecret: mock.options.accessKeySecret },
  }
}
