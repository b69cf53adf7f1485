import { readFileSync } from 'node:fs'
import { ENV_FIELDS } from '@leadcall/example-config'
import { expect, it } from 'vitest'
import { loadLambdaConfig } from './lambda-app.js'

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')

it('the README shows the error memory storage really meets', () => {
  const shown = /```text\n(Invalid environment[\s\S]*?)\n```/.exec(read('README.md'))?.[1]
  expect(shown).toBeDefined()
  expect(() => loadLambdaConfig({})).toThrow(expect.objectContaining({ message: shown }))
})

it('the SAM template sets only variables the configuration reads, on the bundle the build writes', () => {
  const template = read('template.yaml')
  const block = /Variables:\n((?: {10}[A-Z_]+: .*\n)+)/.exec(template)?.[1] ?? ''
  const variables = [...block.matchAll(/^ {10}([A-Z_]+):/gm)].map((match) => match[1] as string)
  expect(variables).toContain('LEADCALL_STORAGE')
  const known = new Set<string>([...Object.keys(ENV_FIELDS), 'NODE_OPTIONS'])
  expect(variables.filter((name) => !known.has(name))).toEqual([])

  // tsup writes bundle/app/handler.mjs; SAM deploys bundle/ and calls app/handler.handler.
  const build = read('tsup.config.ts')
  expect(build).toContain("entry: { handler: 'src/handler.ts' }")
  expect(build).toContain("outDir: 'bundle/app'")
  expect(template).toMatch(/CodeUri: bundle\/\n\s+Handler: app\/handler\.handler\n/)
})
