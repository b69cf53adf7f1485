import { defineConfig, type Options } from 'tsup'

/**
 * The build every leadcall package shares: ESM + CJS + .d.ts, sourcemaps, Node 20 target, peer
 * packages left external. `entry` maps output names to sources.
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    // tsup's dts step sets `baseUrl`, which TypeScript 6 deprecates; silence that until tsup drops it.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: [/^@leadcall\//, 'vitest'],
    ...overrides,
  })
}
