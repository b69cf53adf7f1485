import { telephonyConformance } from '@leadcall/core/testing'
import { twilioMock } from './twilio-mock.test-util.js'
import { twilio } from './twilio-provider.js'

// Every telephony adapter runs the same kit; Twilio's vendor is mocked with msw (api.twilio.com)
// and signed status callbacks.
const mock = twilioMock()

telephonyConformance(
  'twilio',
  (context) => twilio({ ...mock.options, timeoutMs: context.requestTimeoutMs }),
  mock.backend,
)
