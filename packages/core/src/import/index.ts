/**
 * CSV import: `app.importLeads(source, options)` streams a CSV file, text or stream through
 * `csv-parse` (an optional peer dependency) into the lead pipeline, in bounded memory.
 *
 * @module
 */
export {
  DEFAULT_COLUMN_ALIASES,
  IMPORT_FIELDS,
  type ImportField,
  type ImportMapping,
} from './column-mapping.js'
export {
  createLeadImporter,
  type ImportOptions,
  ImportOptionsSchema,
  type ImportRejectedRow,
  type ImportSummary,
  type LeadImporter,
  type LeadImporterDeps,
} from './import-leads.js'
export type { CsvChunk, ImportSource } from './import-source.js'
