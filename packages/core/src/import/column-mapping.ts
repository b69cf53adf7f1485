import { LeadCallError } from '../errors/lead-call-error.js'

/** The lead fields a CSV column can feed (the generic lead input's fields, see `GenericLeadInputSchema`). */
export const IMPORT_FIELDS = [
  'name',
  'firstName',
  'lastName',
  'phone',
  'email',
  'company',
  'priority',
  'tags',
  'source',
  'externalId',
  'country',
  'timezone',
] as const

/** A lead field a CSV column can feed, see {@link IMPORT_FIELDS}. */
export type ImportField = (typeof IMPORT_FIELDS)[number]

/**
 * Which CSV column feeds which lead field: `{ phone: 'Phone Number', firstName: 'First' }`. Column
 * names are compared without regard to case or surrounding spaces. A list gives alternatives in
 * order: the first one with a value in the row is used (`{ phone: ['Mobile', 'Office'] }`). `false`
 * turns a field off, so that no column feeds it (e.g. `{ externalId: false }` when the file's `ID`
 * column is only a row number). Fields left out are found by {@link DEFAULT_COLUMN_ALIASES}.
 */
export type ImportMapping = Partial<Record<ImportField, string | readonly string[] | false>>

/**
 * The header names recognised when the mapping leaves a field out, compared after lower-casing and
 * dropping everything but letters and digits (so `Phone Number`, `phone_number` and `PHONE-NUMBER`
 * are all `phonenumber`). When several columns match, the earlier alias wins, and a later one is used
 * for the rows where the earlier one is blank (`Phone`, then `Mobile`).
 */
export const DEFAULT_COLUMN_ALIASES: Readonly<Record<ImportField, readonly string[]>> = {
  name: ['name', 'fullname', 'contactname', 'leadname'],
  firstName: ['firstname', 'first', 'givenname', 'fname', 'forename'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'lname'],
  phone: [
    'phone',
    'phonenumber',
    'phoneno',
    'mobile',
    'mobilephone',
    'mobilenumber',
    'cell',
    'cellphone',
    'telephone',
    'tel',
  ],
  email: ['email', 'emailaddress', 'mail'],
  company: ['company', 'companyname', 'organization', 'organisation', 'business', 'account'],
  priority: ['priority'],
  tags: ['tags', 'tag', 'labels'],
  source: ['source', 'leadsource'],
  externalId: ['externalid', 'id', 'leadid', 'contactid', 'crmid'],
  country: ['country', 'countrycode'],
  timezone: ['timezone', 'tz'],
}

/** Where each field's value comes from: column indexes in order of preference. */
export interface ResolvedColumns {
  /** The header as read (trimmed). */
  readonly header: readonly string[]
  /** For each field fed by the file, the indexes of its columns, first preferred. */
  readonly fields: ReadonlyArray<readonly [ImportField, readonly number[]]>
  /** Indexes of the columns no field uses. */
  readonly unmapped: readonly number[]
}

/** A header name as compared by an explicit mapping: trimmed, lower case. */
function explicitKey(name: string): string {
  return name.trim().toLowerCase()
}

/** A header name as compared with the default aliases: lower case letters and digits only. */
function aliasKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')
}

function isImportField(key: string): key is ImportField {
  return (IMPORT_FIELDS as readonly string[]).includes(key)
}

/**
 * Matches a CSV header against a mapping and the default aliases.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when the mapping names an unknown field or a column
 * the header does not have, or when no column feeds the phone.
 */
export function resolveColumns(header: readonly string[], mapping: ImportMapping = {}): ResolvedColumns {
  const names = header.map((name) => name.replace(/^\uFEFF/, '').trim())
  const used = new Set<number>()
  const fields: [ImportField, number[]][] = []
  const problems: string[] = []

  const explicit = new Map<string, number>()
  names.forEach((name, index) => {
    const key = explicitKey(name)
    if (key !== '' && !explicit.has(key)) explicit.set(key, index)
  })
  for (const [field, columns] of Object.entries(mapping)) {
    if (!isImportField(field)) {
      problems.push(`"${field}" is not a lead field (expected one of ${IMPORT_FIELDS.join(', ')})`)
      continue
    }
    if (columns === false || columns === undefined) continue
    const wanted = typeof columns === 'string' ? [columns] : columns
    const indexes: number[] = []
    for (const column of wanted) {
      const index = explicit.get(explicitKey(String(column)))
      if (index === undefined) problems.push(`column "${column}" (mapped to ${field}) is not in the header`)
      else if (!indexes.includes(index)) indexes.push(index)
    }
    for (const index of indexes) used.add(index)
    if (indexes.length > 0) fields.push([field, indexes])
  }

  const byAlias = new Map<string, number[]>()
  names.forEach((name, index) => {
    if (used.has(index)) return
    const key = aliasKey(name)
    if (key === '') return
    const list = byAlias.get(key)
    if (list) list.push(index)
    else byAlias.set(key, [index])
  })
  for (const field of IMPORT_FIELDS) {
    if (mapping[field] !== undefined) continue
    const indexes: number[] = []
    for (const alias of DEFAULT_COLUMN_ALIASES[field]) {
      for (const index of byAlias.get(alias) ?? []) {
        if (!used.has(index)) {
          used.add(index)
          indexes.push(index)
        }
      }
    }
    if (indexes.length > 0) fields.push([field, indexes])
  }

  if (!fields.some(([field]) => field === 'phone') && mapping.phone !== false) {
    problems.push(
      `no phone column: expected a header such as ${DEFAULT_COLUMN_ALIASES.phone
        .slice(0, 4)
        .map((alias) => `"${alias}"`)
        .join(', ')}, or set mapping.phone (the header has ${names.map((name) => `"${name}"`).join(', ')})`,
    )
  }
  if (problems.length > 0) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Invalid CSV import: ${problems.join('; ')}`,
      details: { issues: problems.map((message) => ({ path: 'mapping', message })) },
    })
  }
  const unmapped = names.map((_, index) => index).filter((index) => !used.has(index))
  return { header: names, fields, unmapped }
}

/**
 * Turns one CSV row into a generic lead input: each field takes the first non-blank value of its
 * columns (trimmed); blank fields are left out. With `keepUnmapped`, the other non-blank columns go
 * to `custom`, keyed by their header.
 */
export function rowToLeadInput(
  row: readonly string[],
  columns: ResolvedColumns,
  keepUnmapped: boolean,
): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const [field, indexes] of columns.fields) {
    for (const index of indexes) {
      const value = row[index]?.trim()
      if (value) {
        input[field] = value
        break
      }
    }
  }
  if (keepUnmapped) {
    const custom: Record<string, string> = {}
    let any = false
    for (const index of columns.unmapped) {
      const key = columns.header[index]
      const value = row[index]?.trim()
      if (key && key !== '__proto__' && value) {
        custom[key] = value
        any = true
      }
    }
    if (any) input.custom = custom
  }
  return input
}
