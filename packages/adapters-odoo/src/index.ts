/**
 * Odoo CRM adapter for leadcall: create, update and de-duplicate `crm.lead` records and post
 * notes, over Odoo's external API.
 *
 * This release ships the JSON-RPC envelope of Odoo's `/jsonrpc` endpoint
 * ({@link buildJsonRpcCall}, {@link parseJsonRpcResponse}) with Odoo faults mapped to
 * `LeadCallError`s; the `odoo({...})` CRM factory lands next.
 *
 * @packageDocumentation
 */

export {
  buildJsonRpcCall,
  type JsonRpcCall,
  type JsonRpcId,
  type OdooFaultDetails,
  type OdooRpcService,
  type ParseJsonRpcResponseOptions,
  parseJsonRpcResponse,
} from './odoo-jsonrpc.js'
