import { packageBuild } from '../../tsup.base.js'

// `shims` gives the CommonJS build an `import.meta.url`, by which the code finds the `migrations`
// directory next to `dist/` (as it does next to `src/`). The CLI keeps the `#!/usr/bin/env node`
// line of its source at the top of its output.
export default packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts' }, { shims: true })
