/**
 * Odoo CRM adapter for leadcall: create, update and de-duplicate `crm.lead` records and post
 * notes, over Odoo's external JSON-RPC API (`/jsonrpc`).
 *
 * - {@link odoo} creates the CRM adapter (a `CrmAdapterV1` of `@leadcall/core`): qualified leads
 *   become `crm.lead` records with their contact, an HTML description of the conversation and the
 *   classifier's analysis, a priority from the quality, tags, source and custom fields; an open lead
 *   with the same phone or e-mail is updated with a note instead of duplicated;
 * - {@link duplicateDomain} is the Odoo domain of those duplicates;
 * - {@link buildJsonRpcCall} and {@link parseJsonRpcResponse} are the JSON-RPC envelope, with Odoo
 *   faults mapped to `LeadCallError`s.
 *
 * @packageDocumentation
 */

export { type OdooCrm, odoo } from './odoo-crm.js'
export { duplicateDomain, type OdooDomain, type OdooDomainLeaf } from './odoo-duplicates.js'
export {
  buildJsonRpcCall,
  type JsonRpcCall,
  type JsonRpcId,
  type OdooFaultDetails,
  type OdooFaultReason,
  type OdooRpcService,
  type ParseJsonRpcResponseOptions,
  parseJsonRpcResponse,
} from './odoo-jsonrpc.js'
export {
  DEFAULT_ODOO_PRIORITIES,
  type OdooCustomFieldValue,
  type OdooLeadField,
  type OdooOptions,
  type OdooPriority,
  type OdooValueSource,
} from './odoo-options.js'
