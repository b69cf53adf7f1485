/**
 * The in-memory ORM of the Odoo mock: models with typed fields, records, values checked the way
 * Odoo checks them (unknown fields, selection values, x2many commands, required fields, unique
 * names), computed `phone_sanitized` and `email_normalized`, and domains evaluated in Polish
 * notation with implicit `&`, dotted paths through many2one fields and `active_test`.
 */

/** A Python exception the mock raises; the server turns it into a JSON-RPC fault. */
export class OdooFault extends Error {
  constructor(
    /** The dotted class, e.g. `odoo.exceptions.ValidationError`. */
    readonly exception: string,
    message: string,
    /** The JSON-RPC error code (200 for any server error, 100 session expired). */
    readonly code = 200,
  ) {
    super(message)
  }
}

/** A field definition. */
export interface FieldDef {
  type: 'char' | 'html' | 'selection' | 'boolean' | 'integer' | 'float' | 'many2one' | 'many2many'
  /** The comodel of relational fields. */
  relation?: string
  /** The allowed values of a selection. */
  selection?: readonly string[]
  required?: boolean
  /** Computed from other fields when the record is written; writes to it are ignored. */
  computed?: boolean
}

/** A model: its fields and defaults. */
export interface ModelDef {
  /** Shown in messages, e.g. `Lead/Opportunity`. */
  description: string
  fields: Record<string, FieldDef>
  defaults?: Record<string, unknown>
  /** A field whose values must be unique (crm.tag `name`). */
  unique?: { field: string; message: string }
  /** Recomputes computed fields. */
  compute?(record: OdooRecord): void
}

/** A stored record: field → value (`false` for empty, ids for relations). */
export type OdooRecord = Record<string, unknown> & { id: number }

/** `+1 415-555-0199` → `+14155550199`; numbers without a country code are not sanitized (Odoo needs a country). */
export function sanitizePhone(value: unknown): string | false {
  if (typeof value !== 'string' || !value.trim().startsWith('+')) return false
  const digits = value.replace(/\D/g, '')
  return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : false
}

/** `"Jane" <Jane@Example.com>` → `jane@example.com`, as `email_normalize` does. */
export function normalizeEmail(value: unknown): string | false {
  if (typeof value !== 'string') return false
  const inside = /<([^>]+)>/.exec(value)?.[1] ?? value
  const email = inside.trim().toLowerCase()
  return /^[^@\s]+@[^@\s]+$/.test(email) ? email : false
}

/** The models of the mock database. */
export function defaultModels(): Record<string, ModelDef> {
  const char: FieldDef = { type: 'char' }
  return {
    'crm.lead': {
      description: 'Lead/Opportunity',
      fields: {
        name: { type: 'char', required: true },
        type: { type: 'selection', selection: ['lead', 'opportunity'] },
        priority: { type: 'selection', selection: ['0', '1', '2', '3'] },
        contact_name: char,
        partner_name: char,
        function: char,
        email_from: char,
        phone: char,
        mobile: char,
        website: char,
        street: char,
        city: char,
        description: { type: 'html' },
        active: { type: 'boolean' },
        probability: { type: 'float' },
        stage_id: { type: 'many2one', relation: 'crm.stage' },
        tag_ids: { type: 'many2many', relation: 'crm.tag' },
        source_id: { type: 'many2one', relation: 'utm.source' },
        medium_id: { type: 'many2one', relation: 'utm.medium' },
        campaign_id: { type: 'many2one', relation: 'utm.campaign' },
        team_id: { type: 'many2one', relation: 'crm.team' },
        user_id: { type: 'many2one', relation: 'res.users' },
        phone_sanitized: { type: 'char', computed: true },
        email_normalized: { type: 'char', computed: true },
        // Custom fields an administrator added (Settings → Technical → Fields).
        x_product_interest: char,
        x_budget_range: char,
        x_quality_score: { type: 'integer' },
      },
      defaults: { type: 'lead', priority: '0', active: true, probability: 10, stage_id: 1 },
      compute(record) {
        record.phone_sanitized = sanitizePhone(record.phone) || sanitizePhone(record.mobile)
        record.email_normalized = normalizeEmail(record.email_from)
      },
    },
    'crm.tag': {
      description: 'CRM Tag',
      fields: { name: { type: 'char', required: true }, color: { type: 'integer' } },
      unique: { field: 'name', message: 'Tag name already exists!' },
    },
    'crm.stage': {
      description: 'CRM Stages',
      fields: {
        name: { type: 'char', required: true },
        is_won: { type: 'boolean' },
        sequence: { type: 'integer' },
      },
    },
    'crm.team': { description: 'Sales Team', fields: { name: { type: 'char', required: true } } },
    'utm.source': { description: 'Source', fields: { name: { type: 'char', required: true } } },
    'utm.medium': { description: 'Medium', fields: { name: { type: 'char', required: true } } },
    'utm.campaign': { description: 'Campaign', fields: { name: { type: 'char', required: true } } },
    'res.users': {
      description: 'User',
      fields: { name: { type: 'char', required: true }, login: { type: 'char', required: true } },
    },
  }
}

function invalidField(field: string, model: string): OdooFault {
  return new OdooFault('builtins.ValueError', `Invalid field '${field}' on model '${model}'`)
}

/** The ORM: models, records, and the methods `execute_kw` reaches. */
export function createOrm() {
  let models = defaultModels()
  const tables = new Map<string, Map<number, OdooRecord>>()
  /** Each model numbers its records from 1, as each PostgreSQL table does. */
  const sequences = new Map<string, number>()

  function nextId(model: string): number {
    const id = sequences.get(model) ?? 1
    sequences.set(model, id + 1)
    return id
  }

  function table(model: string): Map<number, OdooRecord> {
    let rows = tables.get(model)
    if (!rows) {
      rows = new Map()
      tables.set(model, rows)
    }
    return rows
  }

  function modelOf(model: string): ModelDef {
    const def = models[model]
    if (!def) throw new OdooFault('builtins.KeyError', `'${model}'`)
    return def
  }

  function fieldOf(model: string, field: string): FieldDef {
    const def = modelOf(model).fields[field]
    if (!def) throw invalidField(field, model)
    return def
  }

  function wrong(model: string, field: string, value: unknown): OdooFault {
    return new OdooFault('builtins.ValueError', `Wrong value for ${model}.${field}: ${JSON.stringify(value)}`)
  }

  /** Applies x2many commands to the current ids. */
  function applyCommands(model: string, field: string, current: number[], value: unknown): number[] {
    if (!Array.isArray(value)) throw wrong(model, field, value)
    let ids = [...current]
    for (const command of value) {
      if (!Array.isArray(command) || typeof command[0] !== 'number') throw wrong(model, field, command)
      const [op, id, list] = command as [number, unknown, unknown]
      if (op === 6) {
        if (!Array.isArray(list) || !list.every((item) => Number.isInteger(item)))
          throw wrong(model, field, command)
        ids = [...new Set(list as number[])]
      } else if (op === 4 && Number.isInteger(id)) {
        if (!ids.includes(id as number)) ids.push(id as number)
      } else if (op === 3 && Number.isInteger(id)) {
        ids = ids.filter((other) => other !== id)
      } else if (op === 5) {
        ids = []
      } else {
        throw wrong(model, field, command)
      }
    }
    const relation = fieldOf(model, field).relation as string
    for (const id of ids) {
      if (!table(relation).has(id)) throw foreignKey(relation)
    }
    return ids
  }

  function foreignKey(relation: string): OdooFault {
    return new OdooFault(
      'odoo.exceptions.ValidationError',
      `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${modelOf(relation).description} (${relation})`,
    )
  }

  /** Checks and converts `vals` for `record` (written in place). */
  function assign(model: string, record: OdooRecord, vals: unknown): void {
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals)) {
      throw new OdooFault('builtins.TypeError', `'${typeof vals}' object is not a mapping`)
    }
    for (const [field, value] of Object.entries(vals)) {
      const def = fieldOf(model, field)
      if (def.computed) continue
      switch (def.type) {
        case 'char':
        case 'html':
          if (value !== false && typeof value !== 'string' && typeof value !== 'number')
            throw wrong(model, field, value)
          record[field] = value === false || value === '' ? false : String(value)
          break
        case 'selection':
          if (value !== false && !def.selection?.includes(value as string)) throw wrong(model, field, value)
          record[field] = value
          break
        case 'boolean':
          record[field] = Boolean(value)
          break
        case 'integer':
          if (value !== false && !Number.isInteger(value)) {
            throw new OdooFault(
              'builtins.ValueError',
              `invalid literal for int() with base 10: ${JSON.stringify(value)}`,
            )
          }
          record[field] = value === false ? 0 : value
          break
        case 'float':
          if (value !== false && typeof value !== 'number') throw wrong(model, field, value)
          record[field] = value === false ? 0 : value
          break
        case 'many2one': {
          if (value === false || value === null) {
            record[field] = false
            break
          }
          if (!Number.isInteger(value)) throw wrong(model, field, value)
          if (!table(def.relation as string).has(value as number)) throw foreignKey(def.relation as string)
          record[field] = value
          break
        }
        case 'many2many':
          record[field] = applyCommands(model, field, (record[field] as number[] | undefined) ?? [], value)
          break
      }
    }
  }

  function checkConstraints(model: string, record: OdooRecord): void {
    const def = modelOf(model)
    for (const [field, fieldDef] of Object.entries(def.fields)) {
      if (fieldDef.required && (record[field] === false || record[field] === undefined)) {
        throw new OdooFault(
          'odoo.exceptions.ValidationError',
          `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${def.description} (${model})\nField: ${field}`,
        )
      }
    }
    if (def.unique) {
      const { field, message } = def.unique
      for (const other of table(model).values()) {
        if (other.id !== record.id && other[field] === record[field]) {
          throw new OdooFault('odoo.exceptions.ValidationError', message)
        }
      }
    }
  }

  function blank(model: string): OdooRecord {
    const def = modelOf(model)
    const record: OdooRecord = { id: 0 }
    for (const [field, fieldDef] of Object.entries(def.fields)) {
      record[field] = fieldDef.type === 'many2many' ? [] : false
    }
    return { ...record, ...def.defaults }
  }

  /** `create(vals)` → id, `create([vals, …])` → ids. */
  function create(model: string, valsOrList: unknown, uid: number): number | number[] {
    const list = Array.isArray(valsOrList) ? valsOrList : [valsOrList]
    const ids: number[] = []
    for (const vals of list) {
      const record = blank(model)
      if ('user_id' in record) record.user_id = uid
      assign(model, record, vals)
      record.id = nextId(model)
      modelOf(model).compute?.(record)
      checkConstraints(model, record)
      table(model).set(record.id, record)
      ids.push(record.id)
    }
    return Array.isArray(valsOrList) ? ids : (ids[0] as number)
  }

  /** The records of `ids`, failing like Odoo when one is missing. */
  function browse(model: string, ids: unknown, uid: number): OdooRecord[] {
    const list = Array.isArray(ids) ? ids : [ids]
    return list.map((id) => {
      const record = Number.isInteger(id) ? table(model).get(id as number) : undefined
      if (!record) {
        throw new OdooFault(
          'odoo.exceptions.MissingError',
          `Record does not exist or has been deleted.\n(Record: ${model}(${String(id)},), User: ${uid})`,
        )
      }
      return record
    })
  }

  function write(model: string, ids: unknown, vals: unknown, uid: number): true {
    for (const record of browse(model, ids, uid)) {
      const copy = { ...record }
      assign(model, copy, vals)
      modelOf(model).compute?.(copy)
      checkConstraints(model, copy)
      Object.assign(record, copy)
    }
    return true
  }

  /** The values of a path (`stage_id.is_won`) on a record; an empty many2one gives none. */
  function valuesAt(model: string, record: OdooRecord, path: string[]): unknown[] {
    const [head, ...rest] = path as [string, ...string[]]
    if (head === 'id' && rest.length === 0) return [record.id]
    const def = fieldOf(model, head)
    const value = record[head]
    if (rest.length === 0) return [value]
    if (def.type !== 'many2one' && def.type !== 'many2many') throw invalidField(path.join('.'), model)
    const relation = def.relation as string
    const ids = def.type === 'many2one' ? (value === false ? [] : [value as number]) : (value as number[])
    return ids.flatMap((id) => {
      const target = table(relation).get(id)
      return target ? valuesAt(relation, target, rest) : []
    })
  }

  function compare(op: string, actual: unknown, expected: unknown): boolean {
    const text = (value: unknown) => (typeof value === 'string' ? value : '')
    switch (op) {
      case '=':
        if (expected === false) return actual === false || actual === '' || actual === undefined
        return Array.isArray(actual) ? actual.includes(expected) : actual === expected
      case '!=':
        return !compare('=', actual, expected)
      case 'in':
        if (!Array.isArray(expected))
          throw new OdooFault(
            'builtins.ValueError',
            `Invalid domain term ('in', ${JSON.stringify(expected)})`,
          )
        return Array.isArray(actual)
          ? actual.some((item) => expected.includes(item))
          : expected.includes(actual)
      case 'not in':
        return !compare('in', actual, expected)
      case '=like':
        return text(actual) === text(expected)
      case '=ilike':
        return text(actual).toLowerCase() === text(expected).toLowerCase()
      case 'like':
        return text(actual).includes(text(expected))
      case 'ilike':
        return text(actual).toLowerCase().includes(text(expected).toLowerCase())
      case 'not ilike':
        return !compare('ilike', actual, expected)
      case '<':
        return Number(actual) < Number(expected)
      case '>':
        return Number(actual) > Number(expected)
      case '<=':
        return Number(actual) <= Number(expected)
      case '>=':
        return Number(actual) >= Number(expected)
      default:
        throw new OdooFault('builtins.ValueError', `Invalid leaf operator '${op}'`)
    }
  }

  type Predicate = (record: OdooRecord) => boolean

  /** A domain as a predicate: Polish notation, implicit `&`, and `active = True` unless `active` is named. */
  function predicate(model: string, domain: unknown): Predicate {
    if (!Array.isArray(domain))
      throw new OdooFault('builtins.ValueError', `Invalid domain: ${JSON.stringify(domain)}`)
    const stack: Predicate[] = []
    let namesActive = false
    for (const term of [...domain].reverse()) {
      if (term === '!') {
        const a = stack.pop()
        if (!a) throw new OdooFault('builtins.ValueError', 'Invalid domain: dangling !')
        stack.push((record) => !a(record))
      } else if (term === '&' || term === '|') {
        const a = stack.pop()
        const b = stack.pop()
        if (!a || !b) throw new OdooFault('builtins.ValueError', `Invalid domain: dangling ${term}`)
        stack.push(term === '&' ? (r) => a(r) && b(r) : (r) => a(r) || b(r))
      } else if (
        Array.isArray(term) &&
        term.length === 3 &&
        typeof term[0] === 'string' &&
        typeof term[1] === 'string'
      ) {
        const [path, op, value] = term as [string, string, unknown]
        if (path.split('.')[0] === 'active') namesActive = true
        const parts = path.split('.')
        // Validates the path now, as Odoo does when it parses the domain.
        for (let i = 0, current = model; i < parts.length; i++) {
          if (parts[i] === 'id' && i === parts.length - 1) break
          const def = fieldOf(current, parts[i] as string)
          if (i < parts.length - 1) {
            if (!def.relation) throw invalidField(path, model)
            current = def.relation
          }
        }
        stack.push((record) => valuesAt(model, record, parts).some((actual) => compare(op, actual, value)))
      } else {
        throw new OdooFault('builtins.ValueError', `Invalid leaf ${JSON.stringify(term)}`)
      }
    }
    if (!namesActive && modelOf(model).fields.active) stack.push((record) => record.active === true)
    return (record) => stack.every((p) => p(record))
  }

  function search(
    model: string,
    domain: unknown,
    options: { offset?: unknown; limit?: unknown; order?: unknown } = {},
  ): OdooRecord[] {
    const matches = predicate(model, domain)
    let rows = [...table(model).values()].filter(matches)
    const order = typeof options.order === 'string' ? options.order.trim() : 'id'
    const [field = 'id', direction = 'asc'] = order.split(/\s+/)
    if (field !== 'id') fieldOf(model, field)
    const sign = direction.toLowerCase() === 'desc' ? -1 : 1
    const key = (record: OdooRecord) => record[field] as number | string
    rows = rows.sort((a, b) => {
      const x = key(a)
      const y = key(b)
      return x === y ? a.id - b.id : (x > y ? 1 : -1) * sign
    })
    const offset = Number.isInteger(options.offset) ? (options.offset as number) : 0
    const limit = Number.isInteger(options.limit) ? (options.limit as number) : undefined
    return rows.slice(offset, limit === undefined ? undefined : offset + limit)
  }

  /** `read` output: many2one as `[id, name]`, many2many as ids. */
  function read(model: string, records: OdooRecord[], fields: unknown): Record<string, unknown>[] {
    const names =
      Array.isArray(fields) && fields.length > 0 ? (fields as string[]) : Object.keys(modelOf(model).fields)
    for (const name of names) if (name !== 'id') fieldOf(model, name)
    return records.map((record) => {
      const out: Record<string, unknown> = { id: record.id }
      for (const name of names) {
        if (name === 'id') continue
        const def = fieldOf(model, name)
        const value = record[name]
        if (def.type === 'many2one' && value !== false) {
          const target = table(def.relation as string).get(value as number)
          out[name] = [value, (target?.name as string | undefined) ?? '']
        } else {
          out[name] = Array.isArray(value) ? [...value] : value
        }
      }
      return out
    })
  }

  return {
    table,
    modelOf,
    fieldOf,
    create,
    write,
    browse,
    search,
    read,
    /** Inserts a record directly, bypassing checks (fixtures). */
    insert(model: string, values: Record<string, unknown>): OdooRecord {
      const record = { ...blank(model), ...values, id: nextId(model) } as OdooRecord
      modelOf(model).compute?.(record)
      table(model).set(record.id, record)
      return record
    },
    /** Removes a field from a model, as if the custom field was never created. */
    dropField(model: string, field: string): void {
      delete modelOf(model).fields[field]
    },
    reset(): void {
      models = defaultModels()
      tables.clear()
      sequences.clear()
    },
  }
}

/** The mock's ORM. */
export type Orm = ReturnType<typeof createOrm>
