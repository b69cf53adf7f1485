import type { Lead } from '../domain/lead.js'
import type { Classification } from '../qualification/classification.js'

/** Options of every CRM call that waits on I/O. */
export interface CrmCallOptions {
  /** Cancels the call: the promise rejects promptly and no request stays pending. */
  signal?: AbortSignal
}

/** A lead to create or update in a CRM, see {@link CrmAdapterV1.upsertLead}. */
export interface CrmLeadInput {
  /** The normalized lead (phone in E.164, name split, email validated). */
  lead: Lead
  /** The classifier's decision, when the lead was qualified (quality → priority, fields, analysis). */
  qualification?: Classification
  /** A summary of the conversation, for the CRM record's description or note. */
  summary?: string
  /** Tags to set on the CRM record, in addition to the lead's own. */
  tags?: readonly string[]
}

/** What {@link CrmAdapterV1.upsertLead} did. */
export interface CrmLeadResult {
  /** The CRM record's id (Odoo `crm.lead` id, CloudTalk contact id, …) as a string. */
  id: string
  /** `created` for a new record; `updated` when an open record with the same phone or email was found and updated. */
  action: 'created' | 'updated'
  /** True when a note was posted on the record (an update of a duplicate posts one). */
  notePosted?: boolean
}

/** What a CRM adapter can do, declared up front; the conformance kit reads it. */
export interface CrmCapabilities {
  /** Finds an open record with the same phone or email and updates it instead of creating a second. */
  deduplicate: boolean
  /**
   * What a duplicate is found by, when `deduplicate`: the phone, the email, or either (the
   * default when absent). A CRM that can only look contacts up by phone declares `['phone']`.
   */
  deduplicateBy?: readonly ('phone' | 'email')[]
  /** Can post a note on a record ({@link CrmAdapterV1.addNote}). */
  notes: boolean
}

/**
 * The CRM adapter specification: where qualified leads are written. `odoo()` from `@leadcall/odoo`
 * implements it on Odoo's `crm.lead`; `cloudtalkCrm()` from `@leadcall/cloudtalk` on CloudTalk
 * contacts. `crmConformance` in `@leadcall/core/testing` is the suite every adapter passes.
 *
 * Failures are `LeadCallError`s: `CONTACT_CREATION_FAILED` for what the CRM refused (with the
 * vendor's reason in `details`), `VALIDATION_FAILED` for invalid data, `PROVIDER_TIMEOUT`,
 * `RATE_LIMITED`; no error carries a credential.
 */
export interface CrmAdapterV1 {
  /** The specification version this adapter implements. */
  readonly specificationVersion: 'v1'
  /** A short name, e.g. `odoo`. */
  readonly name: string
  /** What the adapter can do. */
  readonly capabilities: CrmCapabilities
  /** Creates the lead, or updates the open record with the same phone or email when `capabilities.deduplicate`. */
  upsertLead(input: CrmLeadInput, options?: CrmCallOptions): Promise<CrmLeadResult>
  /** Posts a note on a record. Present when `capabilities.notes`. */
  addNote?(recordId: string, text: string, options?: CrmCallOptions): Promise<void>
  /** Releases connections and timers. */
  close?(): Promise<void>
}
