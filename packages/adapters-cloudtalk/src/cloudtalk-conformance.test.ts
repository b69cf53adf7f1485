import { telephonyConformance } from '@leadcall/core/testing'
import { cloudtalkMock } from './cloudtalk-mock.test-util.js'
import { cloudtalk } from './cloudtalk-provider.js'

// Every telephony adapter runs the same kit; CloudTalk's REST API is mocked with msw
// (my.cloudtalk.io/api) and its Workflow Automation requests carry the shared secret.
const mock = cloudtalkMock()

telephonyConformance(
  'cloudtalk',
  (context) =>
    cloudtalk({
      ...mock.options,
      campaigns: { '1234': 'lc-agent-1234' },
      timeoutMs: context.requestTimeoutMs,
    }),
  mock.backend,
)
