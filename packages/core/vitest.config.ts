import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: { name: 'core', include: ['src/**/*.test.ts', 'demo/**/*.test.ts'] },
})
