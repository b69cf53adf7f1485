/**
 * Key layout of leadcall's state within a tenant namespace. One module, so that every driver sees
 * the same keys and a migration has one place to look.
 */
export const keys = {
  agent: (id: string) => `agent:${id}`,
  agentPrefix: 'agent:',
  agentActivityStream: 'agent-activity',
  agentActivityOf: (id: string) => `agent-activity:${id}`,
} as const
