import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const scratch = join(here, '.readme-snippets')

/** The ```ts blocks of a markdown file that import from @leadcall/core (runnable as written). */
function snippets(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((code) => code.includes("from '@leadcall/core'"))
}

describe('README snippets run as written', () => {
  mkdirSync(scratch, { recursive: true })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  for (const file of [
    'README.md',
    'packages/core/README.md',
    'docs/distribution.md',
    'docs/choosing-a-strategy.md',
    'docs/storage.md',
    'docs/pipeline.md',
  ]) {
    snippets(file).forEach((code, i) => {
      it(`${file} #${i + 1}`, async () => {
        const path = join(scratch, `${file.replaceAll(/[/.]/g, '-')}-${i}.ts`)
        // Snippets may log; keep the test output quiet.
        writeFileSync(path, `${code}\nexport {}\n`)
        const log = console.log
        console.log = () => {}
        try {
          await expect(import(path)).resolves.toBeDefined()
        } finally {
          console.log = log
        }
      })
    })
  }

  it('finds the snippets', () => {
    expect(snippets('README.md').length).toBeGreaterThan(0)
    expect(snippets('packages/core/README.md').length).toBeGreaterThan(0)
  })
})
