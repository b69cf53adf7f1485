/**
 * Conformance tests of `upsertLead`: the adapter's shape, what a new record holds, and how open,
 * closed and repeated records are told apart.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { CrmLeadResult } from '../crm/crm-adapter.js'
import type { CrmRecordView } from './crm-conformance.js'
import {
  type CrmKit,
  deduplicatesBy,
  digitsOf,
  KIT_EMAIL,
  KIT_NAME,
  KIT_PHONE,
  KIT_PHONE_FORMATTED,
  KIT_PRODUCT,
  KIT_SCORE,
  KIT_SUMMARY,
  KIT_TAG,
  kitInput,
  kitLead,
  mentions,
  recordsOf,
  recordText,
  recordWithId,
} from './crm-conformance-context.js'

/** Checks a result's shape: a non-empty string id, a known action, a boolean `notePosted` when set. */
function expectResult(result: CrmLeadResult, action: CrmLeadResult['action']): void {
  expect(typeof result.id).toBe('string')
  expect(result.id.length).toBeGreaterThan(0)
  expect(result.action).toBe(action)
  expect(['boolean', 'undefined']).toContain(typeof result.notePosted)
}

/** Checks the record holds the kit lead's contact: its phone (any format), e-mail and name. */
function expectKitContact(record: CrmRecordView): void {
  expect(record.phones.map(digitsOf), `phones ${JSON.stringify(record.phones)} hold ${KIT_PHONE}`).toContain(
    digitsOf(KIT_PHONE),
  )
  expect(record.emails.map((email) => email.toLowerCase())).toContain(KIT_EMAIL)
  expect(mentions(record.name.replace(/\s+/g, ' ').toLowerCase(), KIT_NAME), `name "${record.name}"`).toBe(
    true,
  )
}

/** Checks `notePosted` is honest: true only when the record has a note. */
function expectHonestNote(result: CrmLeadResult, record: CrmRecordView, notesBefore = 0): void {
  if (result.notePosted === true) {
    expect(record.notes.length, 'notePosted is true but the record has no new note').toBeGreaterThan(
      notesBefore,
    )
  } else {
    expect(record.notes.length, 'a note was posted but notePosted is not true').toBe(notesBefore)
  }
}

/** Registers the shape, create and duplicate tests. @internal */
export function upsertConformance(kit: CrmKit): void {
  const { backend } = kit

  describe('shape', () => {
    it('implements the v1 specification and declares its capabilities', async () => {
      const crm = await kit.adapter()
      expect(crm.specificationVersion).toBe('v1')
      expect(typeof crm.name).toBe('string')
      expect(crm.name.length).toBeGreaterThan(0)
      expect(typeof crm.upsertLead).toBe('function')
      expect(typeof crm.capabilities.deduplicate).toBe('boolean')
      expect(typeof crm.capabilities.notes).toBe('boolean')
      const by = crm.capabilities.deduplicateBy
      if (by !== undefined) {
        expect(by.length, 'deduplicateBy names at least one key').toBeGreaterThan(0)
        for (const key of by) expect(['phone', 'email']).toContain(key)
      }
      if (crm.capabilities.notes) expect(typeof crm.addNote).toBe('function')
      if (crm.close !== undefined) expect(typeof crm.close).toBe('function')
    })
  })

  describe('create', () => {
    it('creates one open record with the contact, the summary and the classification', async () => {
      const crm = await kit.adapter()
      const result = await crm.upsertLead(kitInput())
      expectResult(result, 'created')
      const records = await recordsOf(backend)
      expect(records, 'exactly one record').toHaveLength(1)
      const record = await recordWithId(backend, result.id)
      expect(record.open).toBe(true)
      expectKitContact(record)
      const text = recordText(record)
      for (const part of [KIT_SUMMARY, KIT_PRODUCT, 'hot', String(KIT_SCORE)]) {
        expect(mentions(text, part), `the record (details or notes) mentions "${part}": ${text}`).toBe(true)
      }
      if (record.tags !== undefined) expect(record.tags).toContain(KIT_TAG)
      expectHonestNote(result, record)
    })

    it('creates a record from a lead alone, without classification, summary or tags', async () => {
      const crm = await kit.adapter()
      const result = await crm.upsertLead({ lead: kitLead() })
      expectResult(result, 'created')
      const record = await recordWithId(backend, result.id)
      expect(record.open).toBe(true)
      expectKitContact(record)
      expect(await recordsOf(backend)).toHaveLength(1)
    })

    it('keeps the lead’s own tags with the ones asked for, when the vendor has tags', async () => {
      const crm = await kit.adapter()
      const result = await crm.upsertLead(kitInput({ lead: kitLead({ tags: ['kit-own-tag'] }) }))
      const record = await recordWithId(backend, result.id)
      if (record.tags === undefined) return
      expect(record.tags).toEqual(expect.arrayContaining(['kit-own-tag', KIT_TAG]))
    })
  })

  describe('duplicates', () => {
    it('updates an open record with the same phone (typed another way) instead of creating a second', async () => {
      const crm = await kit.adapter()
      if (!deduplicatesBy(crm, 'phone')) return
      const seeded = await backend.seed({ name: `${KIT_NAME} (earlier)`, phone: KIT_PHONE_FORMATTED })
      const before = await recordWithId(backend, seeded)
      const result = await crm.upsertLead(kitInput())
      expectResult(result, 'updated')
      expect(result.id).toBe(seeded)
      expect(await recordsOf(backend), 'no second record').toHaveLength(1)
      const after = await recordWithId(backend, seeded)
      expect(after.open).toBe(true)
      expectHonestNote(result, after, before.notes.length)
      if (crm.capabilities.notes) {
        expect(result.notePosted, 'an update posts a note when the CRM has notes').toBe(true)
        const added = after.notes.slice(before.notes.length).join('\n').replace(/\s+/g, ' ').toLowerCase()
        expect(mentions(added, KIT_SUMMARY), `the new note holds the summary: ${added}`).toBe(true)
      }
    })

    it('updates an open record with the same e-mail (in another case) when it deduplicates by e-mail', async () => {
      const crm = await kit.adapter()
      if (!deduplicatesBy(crm, 'email')) return
      const seeded = await backend.seed({
        name: `${KIT_NAME} (by e-mail)`,
        phone: '+14155550123',
        email: 'Kit.Lead@Example.com',
      })
      const result = await crm.upsertLead(kitInput())
      expectResult(result, 'updated')
      expect(result.id).toBe(seeded)
      expect(await recordsOf(backend), 'no second record').toHaveLength(1)
      if (crm.capabilities.notes) expect(result.notePosted).toBe(true)
    })

    it('creates a new record when the only one with the same phone is closed (won or lost)', async () => {
      const statuses = backend.closedStatuses ?? []
      for (const status of statuses) {
        // A fresh vendor and a fresh adapter for each status.
        await backend.reset?.()
        const crm = await kit.adapter()
        if (!crm.capabilities.deduplicate) return
        const seeded = await backend.seed({
          name: `${KIT_NAME} (${status})`,
          phone: KIT_PHONE_FORMATTED,
          email: KIT_EMAIL,
          status,
        })
        const before = await recordWithId(backend, seeded)
        expect(before.open, `a seeded ${status} record is closed`).toBe(false)
        const result = await crm.upsertLead(kitInput())
        expectResult(result, 'created')
        expect(result.id, `the ${status} record is not reused`).not.toBe(seeded)
        expect(await recordsOf(backend)).toHaveLength(2)
        const after = await recordWithId(backend, seeded)
        expect(after.open, `the ${status} record stays closed`).toBe(false)
        expect(after.notes, `the ${status} record gets no note`).toEqual(before.notes)
        expect((await recordWithId(backend, result.id)).open).toBe(true)
      }
    })

    it('finds the record it created: the same lead twice gives created, then updated', async () => {
      const crm = await kit.adapter()
      if (!crm.capabilities.deduplicate) return
      const first = await crm.upsertLead(kitInput())
      const second = await crm.upsertLead(
        kitInput({ summary: 'Kit Lead called back about the delivery date' }),
      )
      expectResult(first, 'created')
      expectResult(second, 'updated')
      expect(second.id).toBe(first.id)
      expect(await recordsOf(backend)).toHaveLength(1)
    })

    it('leaves one record when the same new lead is upserted twice at once', async () => {
      const crm = await kit.adapter()
      if (!crm.capabilities.deduplicate) return
      const results = await Promise.all([crm.upsertLead(kitInput()), crm.upsertLead(kitInput())])
      expect(results.map((result) => result.action).sort()).toEqual(['created', 'updated'])
      expect(results[0]?.id).toBe(results[1]?.id)
      expect(await recordsOf(backend)).toHaveLength(1)
    })
  })
}
