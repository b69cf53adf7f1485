import { packageBuild } from '../../tsup.base.js'

// `index` is the programmatic API; `cli` the `leadcall` bin. The bin's `#!/usr/bin/env node` banner
// is the first line of src/cli.ts: esbuild keeps an entry's hashbang and tsup marks that file
// executable (tsup's `banner` option would put it on every entry).
export default packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts' })
