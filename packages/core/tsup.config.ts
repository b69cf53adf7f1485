import { packageBuild } from '../../tsup.base.js'

export default packageBuild({
  index: 'src/index.ts',
  provider: 'src/provider.ts',
  'testing/index': 'src/testing/index.ts',
})
