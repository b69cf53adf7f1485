import { crmConformance } from '@leadcall/core/testing'
import { odoo } from './odoo-crm.js'
import { odooMock } from './odoo-mock.test-util.js'

// Every CRM adapter runs the same kit; Odoo's /jsonrpc is mocked with msw, custom fields included
// (the kit removes one to check a missing field is reported).
const mock = odooMock()

crmConformance(
  'odoo',
  (context) =>
    odoo({
      ...mock.options,
      tags: ['leadcall'],
      source: 'leadcall',
      customFields: {
        x_product_interest: 'productInterest',
        x_budget_range: 'budget',
        x_quality_score: 'score',
      },
      ...(context.requestTimeoutMs === undefined ? {} : { timeoutMs: context.requestTimeoutMs }),
    }),
  mock.backend,
)
