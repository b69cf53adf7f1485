import { crmConformance } from '@leadcall/core/testing'
import { cloudtalkCrm } from './cloudtalk-crm.js'
import { cloudtalkCrmMock } from './cloudtalk-crm-mock.test-util.js'

// CloudTalk as a CRM runs the same kit as Odoo: contacts and notes over the msw mock of the REST API.
const crm = cloudtalkCrmMock()

crmConformance(
  'cloudtalk',
  (context) =>
    cloudtalkCrm({
      ...crm.options,
      contactTags: ['leadcall'],
      ...(context.requestTimeoutMs === undefined ? {} : { timeoutMs: context.requestTimeoutMs }),
    }),
  crm.backend,
)
