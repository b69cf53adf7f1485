import { defineConfig } from 'vitest/config'

/**
 * One vitest run for the whole workspace: every package is a project, sources are read through the
 * `dev-source` export condition so tests never need a build first.
 */
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    projects: ['packages/*', 'examples/*', 'tests/*'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
})
