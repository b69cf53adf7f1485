import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { ENV_FIELDS } from './env-fields.js'
import { loadConfig } from './load-config.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

it('documents every variable in the README, and no other', () => {
  const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gm)].map((match) => match[1])
  expect(documented.sort()).toEqual(Object.keys(ENV_FIELDS).sort())
})

it('shows the error loadConfig really throws', () => {
  const shown = /```text\n([\s\S]*?)\n```/.exec(readme)?.[1]
  let thrown: unknown
  try {
    loadConfig({
      LEADCALL_PORT: 'eighty',
      LEADCALL_STORAGE: 'redis',
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    })
  } catch (error) {
    thrown = error
  }
  expect(shown).toMatch(/^Invalid environment/)
  expect((thrown as Error).message).toBe(shown)
})
