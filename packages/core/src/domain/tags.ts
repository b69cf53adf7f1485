/**
 * Trims tags, drops empty ones and duplicates (exact match, first one wins). A string is read as a
 * comma-separated list (`'vip, facebook'`).
 */
export function normalizeTags(tags: string | readonly string[] | null | undefined): string[] {
  if (tags === null || tags === undefined) return []
  const list = typeof tags === 'string' ? tags.split(',') : tags
  const seen = new Set<string>()
  for (const tag of list) {
    const clean = tag.trim()
    if (clean !== '') seen.add(clean)
  }
  return [...seen]
}
