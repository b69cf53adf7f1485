/**
 * Conformance tests of notes: `addNote` when declared, refused with a typed error when not.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import {
  type CrmKit,
  expectLeadCallError,
  kitLead,
  mentions,
  recordsOf,
  recordWithId,
} from './crm-conformance-context.js'

const NOTE = 'Kit note: call back tomorrow at 10 about the sofa colour'

/** Registers the note tests. @internal */
export function noteConformance(kit: CrmKit): void {
  const { backend } = kit

  describe('notes', () => {
    it('posts a note on a record when it declares notes', async () => {
      const crm = await kit.adapter()
      if (!crm.capabilities.notes || !crm.addNote) return
      const { id } = await crm.upsertLead({ lead: kitLead() })
      const before = (await recordWithId(backend, id)).notes.length
      await expect(crm.addNote(id, NOTE)).resolves.toBeUndefined()
      const notes = (await recordWithId(backend, id)).notes
      expect(notes.length).toBe(before + 1)
      const added = (notes.at(-1) ?? '').replace(/\s+/g, ' ').toLowerCase()
      expect(mentions(added, NOTE), `the note reads "${added}"`).toBe(true)
    })

    it('refuses a note on a record that does not exist with a LeadCallError', async () => {
      const crm = await kit.adapter()
      if (!crm.capabilities.notes || !crm.addNote) return
      await expectLeadCallError(crm.addNote(backend.missingRecordId ?? '999999999', NOTE), backend)
      expect(await recordsOf(backend)).toEqual([])
    })

    it('refuses addNote with VALIDATION_FAILED when it does not declare notes, without calling the vendor', async () => {
      const crm = await kit.adapter()
      if (crm.capabilities.notes || !crm.addNote) return
      const error = await expectLeadCallError(crm.addNote('1', NOTE), backend, 'VALIDATION_FAILED')
      expect(error.retryable).toBe(false)
      if (backend.requestCount) expect(backend.requestCount()).toBe(0)
    })
  })
}
