/**
 * Importing an adapter loads only what it needs to be imported: the spec entry of core
 * (`@leadcall/core/provider`), not core's runtime (its main entry, libphonenumber-js); and for
 * `@leadcall/twilio`, not zod either (its REST client loads the schemas with the first request).
 * A fresh Node process registers module hooks that record every module it resolves.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))
const recorder = pathToFileURL(join(here, 'import-recorder.mjs')).href

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadcall-imports-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let runs = 0
/** The URLs of the modules a fresh process resolves while it runs `code` (after its own setup). */
async function modulesLoadedBy(code: string): Promise<string[]> {
  const log = join(dir, `run-${++runs}.log`)
  const setup = `import { register } from 'node:module'\nregister(${JSON.stringify(recorder)}, { data: { log: ${JSON.stringify(log)} } })`
  await run(
    process.execPath,
    ['--conditions=dev-source', '--import', 'tsx', '--input-type=module', '-e', `${setup}\n${code}`],
    {
      cwd: here,
    },
  )
  return (await readFile(log, 'utf8')).split('\n').filter((url) => url !== '')
}

const CORE_MAIN = /\/packages\/core\/src\/index\.ts$/
const ZOD = /\/node_modules\/zod\//
const PHONE = /\/node_modules\/libphonenumber-js\//

describe('adapter imports', () => {
  it('the record sees core, zod and libphonenumber-js when they are imported', async () => {
    const loaded = await modulesLoadedBy("await import('@leadcall/twilio'); await import('@leadcall/core')")
    expect(loaded.some((url) => CORE_MAIN.test(url))).toBe(true)
    expect(loaded.some((url) => ZOD.test(url))).toBe(true)
    expect(loaded.some((url) => PHONE.test(url))).toBe(true)
  }, 60_000)

  it('@leadcall/twilio loads neither zod nor core beyond its provider entry', async () => {
    const loaded = await modulesLoadedBy("await import('@leadcall/twilio')")
    expect(loaded.some((url) => url.endsWith('/packages/core/src/provider.ts'))).toBe(true)
    expect(loaded.filter((url) => CORE_MAIN.test(url) || ZOD.test(url) || PHONE.test(url))).toEqual([])
  }, 60_000)

  it("@leadcall/twilio/schemas brings zod, for users of Twilio's resource schemas", async () => {
    const loaded = await modulesLoadedBy("await import('@leadcall/twilio/schemas')")
    expect(loaded.some((url) => ZOD.test(url))).toBe(true)
  }, 60_000)

  for (const name of ['@leadcall/cloudtalk', '@leadcall/asterisk', '@leadcall/odoo']) {
    it(`${name} loads core's provider entry, not its runtime`, async () => {
      const loaded = await modulesLoadedBy(`await import('${name}')`)
      expect(loaded.filter((url) => CORE_MAIN.test(url) || PHONE.test(url))).toEqual([])
    }, 60_000)
  }
})
