import { defineProject } from 'vitest/config'

/** The vitest project of one workspace package: sources resolved through the `dev-source` condition. */
export function packageProject(name: string, include: string[] = ['src/**/*.test.ts']) {
  return defineProject({
    resolve: { conditions: ['dev-source'] },
    ssr: { resolve: { conditions: ['dev-source'] } },
    test: { name, include },
  })
}
