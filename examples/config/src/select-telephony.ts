/**
 * Which telephony providers the environment selects: {@link selectTelephony}.
 *
 * @module
 */
import type { ProviderGroup, ProviderKind } from './env-fields.js'
import type { EnvIssue } from './example-config.js'

/** What `LEADCALL_TELEPHONY` may list. */
export type TelephonyChoice = 'simulator' | ProviderKind

/** The providers selected (empty for the simulator) and the problems found. */
export interface TelephonySelection {
  kinds: ProviderKind[]
  issues: EnvIssue[]
}

/**
 * Picks the providers from their groups of variables and `LEADCALL_TELEPHONY`:
 *
 * - a group with some but not all of its required variables is an error naming each missing one;
 * - without `LEADCALL_TELEPHONY`: no group set → the simulator, one → that provider, more → an
 *   error asking to list them in failover order;
 * - with it: the providers listed, in that order (each needs its variables; a group set but not
 *   listed is an error), or `simulator` alone, which ignores the groups.
 */
export function selectTelephony(
  env: Readonly<Record<string, string>>,
  listed: readonly TelephonyChoice[] | undefined,
  groups: readonly ProviderGroup[],
): TelephonySelection {
  const issues: EnvIssue[] = []
  const configured: ProviderGroup[] = []
  for (const group of groups) {
    const set = [...group.required, ...group.optional].filter((name) => env[name] !== undefined)
    if (set.length === 0) continue
    configured.push(group)
    for (const name of group.required) {
      if (env[name] !== undefined) continue
      issues.push({
        variable: name,
        message: `Missing: ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, so ${group.label} needs it too (or unset them)`,
      })
    }
  }
  const labels = (list: readonly ProviderGroup[]) => list.map((group) => group.label).join(' and ')

  if (listed === undefined) {
    if (configured.length > 1) {
      issues.push({
        variable: 'LEADCALL_TELEPHONY',
        message: `Variables of ${labels(configured)} are set: list them in failover order, primary first (e.g. LEADCALL_TELEPHONY=${configured.map((g) => g.kind).join(',')}), or unset all but one provider's`,
      })
      return { kinds: [], issues }
    }
    return { kinds: configured.map((group) => group.kind), issues }
  }

  const seen = new Set<TelephonyChoice>()
  for (const choice of listed) {
    if (seen.has(choice))
      issues.push({ variable: 'LEADCALL_TELEPHONY', message: `${choice} is listed twice` })
    seen.add(choice)
  }
  if (seen.has('simulator')) {
    if (seen.size > 1)
      issues.push({
        variable: 'LEADCALL_TELEPHONY',
        message: 'simulator cannot be combined with real providers',
      })
    return { kinds: [], issues }
  }
  const kinds = [...seen] as ProviderKind[]
  for (const kind of kinds) {
    const group = groups.find((candidate) => candidate.kind === kind)
    if (group === undefined || configured.includes(group)) continue
    for (const name of group.required)
      issues.push({ variable: name, message: `Required: LEADCALL_TELEPHONY lists ${kind}` })
  }
  const unlisted = configured.filter((group) => !seen.has(group.kind))
  if (unlisted.length > 0)
    issues.push({
      variable: 'LEADCALL_TELEPHONY',
      message: `Variables of ${labels(unlisted)} are set but ${unlisted.map((g) => g.kind).join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} not listed: add ${unlisted.length === 1 ? 'it' : 'them'}, or unset ${unlisted.length === 1 ? 'its' : 'their'} variables`,
    })
  return { kinds, issues }
}
