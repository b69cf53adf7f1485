/**
 * Importing an adapter loads no HTTP client: ky, and the `fetch` classes of Node (undici) it reaches
 * for when imported, wait for the adapter's first request. A fresh Node process imports each
 * adapter and lists the internal modules it loaded.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))

/** The internal modules of Node's `fetch` (undici) loaded by a fresh process after `code`. */
async function undiciAfter(code: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=dev-source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `${code}\nconsole.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))))`,
    ],
    { cwd: here },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[]
}

describe('adapter imports', () => {
  it('the check sees undici once an import touches the fetch classes, as ky does', async () => {
    expect(await undiciAfter("await import('@leadcall/twilio'); void globalThis.Request")).not.toEqual([])
  }, 30_000)

  for (const name of ['@leadcall/twilio', '@leadcall/cloudtalk', '@leadcall/asterisk', '@leadcall/odoo']) {
    it(`${name} loads neither ky nor Node's fetch until its first request`, async () => {
      expect(await undiciAfter(`await import('${name}')`)).toEqual([])
    }, 30_000)
  }
})
