/**
 * The conformance kit of the CRM adapter specification: {@link crmConformance} and the
 * {@link CrmMockBackend} an adapter supplies to run it.
 *
 * @module
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest'
import type { CrmAdapterV1 } from '../crm/crm-adapter.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { CrmKit } from './crm-conformance-context.js'
import { failureConformance } from './crm-conformance-failures.js'
import { noteConformance } from './crm-conformance-notes.js'
import { upsertConformance } from './crm-conformance-upsert.js'

/** What the kit passes to `makeAdapter` for each test. */
export interface CrmAdapterContext {
  /**
   * The longest one request to the vendor may take, in ms, for the tests that need a short one (a
   * hanging vendor must give `PROVIDER_TIMEOUT`) or a long one (only the signal may end it).
   * Absent: the adapter's default. Configure the adapter with it (e.g.
   * `odoo({ ..., timeoutMs: context.requestTimeoutMs })`).
   */
  requestTimeoutMs?: number
}

/**
 * A record of the CRM as the backend shows it to the kit: the vendor's record normalized, all text
 * plain (HTML tags removed, entities decoded).
 */
export interface CrmRecordView {
  /** The record's id, as the adapter returns it in `CrmLeadResult.id`. */
  id: string
  /** Its phone numbers, as the vendor stores them (the kit compares digits only). */
  phones: readonly string[]
  /** Its e-mail addresses, as the vendor stores them (the kit compares them case-insensitively). */
  emails: readonly string[]
  /** Its name: the record's title and the contact's name, as one text. */
  name: string
  /** False for a record the vendor holds as closed (won, lost, archived): never a duplicate. */
  open: boolean
  /** The notes posted on it, oldest first, as plain text. */
  notes: readonly string[]
  /** Every other text it holds (description, custom fields, company, …), as plain text. */
  details: string
  /** Its tags, when the vendor has tags; the kit then checks the tags it asked for are there. */
  tags?: readonly string[]
}

/** A record the kit asks the backend to hold before a test, as if entered in the CRM by people. */
export interface CrmRecordSeed {
  /** The contact's name. */
  name: string
  /** A phone, written the way people type it (e.g. `+1 415-555-0199`). */
  phone?: string
  /** An e-mail, possibly in mixed case. */
  email?: string
  /** `open` (the default), or closed as `won` or `lost`; only statuses of {@link CrmMockBackend.closedStatuses} are asked for. */
  status?: 'open' | 'won' | 'lost'
}

/** A failure of the vendor's API that a {@link CrmMockBackend} can simulate. */
export interface SimulatedCrmFailure {
  /** What fails, as the test's name shows it, e.g. `AccessDenied: bad API key`. */
  name: string
  /** The `LeadCallError` code the adapter must map it to, e.g. `CONTACT_CREATION_FAILED`. */
  expectedCode: LeadCallErrorCode
  /** Makes the next `upsertLead` fail this way (until the next reset). */
  arrange(): void | Promise<void>
}

/**
 * A mock of the CRM vendor, supplied by the adapter under test (an msw mock of its HTTP API). The
 * kit runs its tests one after another and calls `reset` before and after each, so one backend
 * serves them all.
 *
 * @example
 * ```ts
 * const backend: CrmMockBackend = {
 *   secrets: [apiKey],
 *   records: () => [...leads.values()].map(view),
 *   seed: (record) => String(insertLead(record)),
 *   closedStatuses: ['won', 'lost'],
 *   failures: [{ name: 'AccessError on create', expectedCode: 'CONTACT_CREATION_FAILED', arrange: () => denyCreate() }],
 *   hang: () => hangEverything(),
 *   pendingRequests: () => held.size,
 *   requestCount: () => received.length,
 *   setup: () => server.listen({ onUnhandledRequest: 'error' }),
 *   reset: () => resetMock(),
 *   teardown: () => server.close(),
 * }
 * ```
 */
export interface CrmMockBackend {
  /**
   * Every credential the adapter is configured with (passwords, API keys, and derived forms such
   * as the Base64 of a Basic `user:password`). None may appear in any error the adapter throws: its
   * message, stack, `JSON.stringify`, `details`, or anywhere along its `cause` chain.
   */
  secrets: readonly string[]
  /** The records the vendor holds now (seeded and created), normalized. */
  records(): readonly CrmRecordView[] | Promise<readonly CrmRecordView[]>
  /** Adds a record as if people had entered it in the CRM; returns its id. */
  seed(record: CrmRecordSeed): string | Promise<string>
  /**
   * The closed states the vendor tells apart from open records (Odoo: `won`, `lost`). For each,
   * the kit checks that a closed record with the lead's phone is not taken as a duplicate. Absent
   * or empty: the vendor has no closed records (CloudTalk contacts).
   */
  closedStatuses?: readonly ('won' | 'lost')[]
  /** The vendor failures the backend can simulate, each with the code the adapter must map it to. */
  failures: readonly SimulatedCrmFailure[]
  /** Makes every later request hang, never answered, until the next reset (or until it is aborted). */
  hang(): void
  /** How many requests the backend received whose connection is still open (not answered, not aborted). */
  pendingRequests(): number
  /** How many requests the backend received since the last reset; when given, the kit checks aborted calls send none. */
  requestCount?(): number
  /** An id no record has, for `addNote` on a missing record (default `'999999999'`). */
  missingRecordId?: string
  /** Starts the mock, once before the kit's tests (e.g. `server.listen()`). */
  setup?(): void | Promise<void>
  /** Forgets every record, request and arranged failure or hang; called before and after each test. */
  reset?(): void | Promise<void>
  /** Stops the mock, once after the kit's tests. */
  teardown?(): void | Promise<void>
}

/** Options of {@link crmConformance}. */
export interface CrmConformanceOptions {
  /**
   * Skips the whole kit with this reason, shown as the name of the skipped suite (e.g. when the
   * vendor mock cannot start). `false` or absent runs it.
   */
  skip?: string | false
}

/**
 * Registers, with vitest, the tests every {@link CrmAdapterV1} adapter must pass against a mock of
 * its vendor:
 *
 * - **shape**: the v1 specification, its capabilities, the methods they promise;
 * - **create**: a new lead becomes one open record with its phone, e-mail and name, and the
 *   summary, product, quality and score of its classification somewhere on it (details or notes),
 *   with the tags asked for when the vendor has tags; a lead alone (no classification) too;
 * - **duplicates** (when `capabilities.deduplicate`): an open record with the same phone (typed
 *   another way) or the same e-mail (in another case) is updated, not duplicated, with a note
 *   holding the new summary when `capabilities.notes`; a won or lost record is never taken as a
 *   duplicate; the same lead twice, even at once, leaves one record;
 * - **failures**: each vendor failure the backend simulates maps to its `LeadCallError` code; a
 *   hanging vendor gives `PROVIDER_TIMEOUT`; an aborted signal rejects promptly and leaves no
 *   request open;
 * - **notes**: `addNote` posts a note when declared, refuses a missing record with a
 *   `LeadCallError`, and is refused with `VALIDATION_FAILED` when not declared;
 * - **secrets**: no credential of `mockBackend.secrets` appears in any error the kit sees.
 *
 * Call it at the top level of a test file. Each test gets its own adapter from `makeAdapter`
 * (closed after the test, when it has `close`). The kit never asserts on how long something took;
 * vitest's test timeout is the only clock.
 *
 * @example
 * ```ts
 * // packages/adapters-odoo/src/odoo-conformance.test.ts
 * import { crmConformance } from '@leadcall/core/testing'
 * import { odoo } from './odoo-crm.js'
 * import { odooMock } from './odoo-mock.test-util.js'
 *
 * const mock = odooMock()
 * crmConformance('odoo', (context) => odoo({ ...mock.options, timeoutMs: context.requestTimeoutMs }), mock.backend)
 * ```
 *
 * @param name - The adapter's name, used in the suite's name.
 * @param makeAdapter - Creates an adapter wired to the mock; called once per test.
 * @param mockBackend - The vendor mock; see {@link CrmMockBackend}.
 * @param options - See {@link CrmConformanceOptions}.
 */
export function crmConformance(
  name: string,
  makeAdapter: (context: CrmAdapterContext) => CrmAdapterV1 | Promise<CrmAdapterV1>,
  mockBackend: CrmMockBackend,
  options: CrmConformanceOptions = {},
): void {
  if (typeof options.skip === 'string') {
    describe.skip(options.skip, () => {
      it(`${name} CRM conformance`, () => {})
    })
    return
  }

  const open: CrmAdapterV1[] = []
  const kit: CrmKit = {
    backend: mockBackend,
    async adapter(context = {}) {
      const adapter = await makeAdapter(context)
      open.push(adapter)
      return adapter
    },
  }

  describe(`${name} CRM conformance`, () => {
    beforeAll(async () => {
      await mockBackend.setup?.()
    })
    beforeEach(async () => {
      await mockBackend.reset?.()
    })
    afterEach(async () => {
      // Reset first: it releases hanging requests, so closing an adapter never waits on them.
      await mockBackend.reset?.()
      const adapters = open.splice(0)
      await Promise.all(adapters.map((adapter) => adapter.close?.()))
    })
    afterAll(async () => {
      await mockBackend.teardown?.()
    })

    upsertConformance(kit)
    failureConformance(kit)
    noteConformance(kit)
  })
}
