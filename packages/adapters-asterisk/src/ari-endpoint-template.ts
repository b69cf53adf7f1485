/**
 * Dial-string templates: how the agent and the lead are dialed, e.g. `PJSIP/{ext}` and
 * `PJSIP/{number}@trunk`, expanded per call and read backwards for presence.
 *
 * @module
 */

/** A parsed dial-string template, see {@link parseEndpointTemplate}. */
export interface EndpointTemplate {
  /** The template as given, e.g. `PJSIP/{number}@trunk`. */
  readonly source: string
  /** The placeholders it uses, in order of appearance, e.g. `['number']`. */
  readonly placeholders: readonly string[]
  /** The channel technology, when the template starts with a literal one (`PJSIP` in `PJSIP/{ext}`). */
  readonly technology: string | undefined
  /**
   * The dial string for these values: every `{name}` replaced by `values[name]`.
   *
   * @throws {Error} when a placeholder has no value, or a value contains a character that would change
   * the dial string's meaning (whitespace, `&`, `,`, quotes, `<`, `>`, `|`, `\`).
   */
  expand(values: Readonly<Record<string, string>>): string
  /**
   * The placeholder values that expand to `dialString`, or `undefined` when it does not have the
   * template's shape: `PJSIP/{ext}` matches `PJSIP/1001` with `{ ext: '1001' }`.
   */
  match(dialString: string): Record<string, string> | undefined
}

/** Characters a value may not contain: they would split, quote or redirect the dial string. */
const UNSAFE = /[\s&,'"<>|\\]/

/**
 * Parses a dial-string template such as `PJSIP/{ext}`, `PJSIP/{number}@trunk` or
 * `PJSIP/{digits}@trunk` (the number without its `+`). A template is `Technology/resource`, with
 * placeholders in braces taken from `allowed`.
 *
 * @example
 * ```ts
 * const lead = parseEndpointTemplate('PJSIP/{number}@trunk', ['number', 'digits'])
 * lead.expand({ number: '+14155550199', digits: '14155550199' }) // 'PJSIP/+14155550199@trunk'
 * ```
 *
 * @throws {Error} when the template is not `Technology/resource`, names a placeholder outside
 * `allowed`, has unbalanced braces, or uses none of `required`.
 */
export function parseEndpointTemplate(
  template: string,
  allowed: readonly string[],
  required: readonly string[] = allowed,
): EndpointTemplate {
  const slash = template.indexOf('/')
  if (slash <= 0 || slash === template.length - 1) {
    throw new Error(`"${template}" is not a dial string: expected Technology/resource, e.g. PJSIP/{ext}`)
  }
  const parts: Array<{ literal: string } | { name: string }> = []
  const placeholders: string[] = []
  let rest = template
  while (rest.length > 0) {
    const open = rest.indexOf('{')
    const close = rest.indexOf('}')
    if (open < 0) {
      if (close >= 0) throw new Error(`"${template}" has an unbalanced }`)
      parts.push({ literal: rest })
      break
    }
    if (close >= 0 && close < open) throw new Error(`"${template}" has an unbalanced }`)
    const end = rest.indexOf('}', open)
    if (end < 0) throw new Error(`"${template}" has an unbalanced {`)
    const name = rest.slice(open + 1, end)
    if (!allowed.includes(name)) {
      throw new Error(
        `"${template}" uses {${name}}; the placeholders here are ${allowed.map((a) => `{${a}}`).join(', ')}`,
      )
    }
    if (open > 0) parts.push({ literal: rest.slice(0, open) })
    parts.push({ name })
    placeholders.push(name)
    rest = rest.slice(end + 1)
  }
  if (!placeholders.some((name) => required.includes(name))) {
    throw new Error(`"${template}" must use ${required.map((r) => `{${r}}`).join(' or ')}`)
  }
  for (const part of parts) {
    if ('literal' in part && /\s/.test(part.literal)) throw new Error(`"${template}" contains whitespace`)
  }
  const prefix = template.slice(0, slash)
  const technology = prefix.includes('{') ? undefined : prefix

  const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  // A placeholder used twice must capture the same text: its later uses are back-references.
  const pattern = new RegExp(
    `^${parts
      .map((part, index) => {
        if ('literal' in part) return escapeRegExp(part.literal)
        const first = parts.findIndex((p) => 'name' in p && p.name === part.name) === index
        return first ? `(?<${part.name}>.+?)` : `\\k<${part.name}>`
      })
      .join('')}$`,
  )

  return {
    source: template,
    placeholders,
    technology,
    expand(values) {
      return parts
        .map((part) => {
          if ('literal' in part) return part.literal
          const value = values[part.name]
          if (value === undefined || value === '') throw new Error(`no value for {${part.name}}`)
          if (UNSAFE.test(value))
            throw new Error(`the value of {${part.name}} contains a forbidden character`)
          return value
        })
        .join('')
    },
    match(dialString) {
      const found = pattern.exec(dialString)
      return found?.groups ? { ...found.groups } : undefined
    },
  }
}
