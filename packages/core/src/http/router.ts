/**
 * A tiny router: method + path pattern (`/agents/:id/status`) → a value. Literal segments win over
 * parameters, a path known under other methods gives the methods to put in `Allow`.
 *
 * @module
 */

/** One route: a method, a path pattern with `:name` parameters, and what it leads to. */
export interface RouteDefinition<T> {
  /** The HTTP method, upper case. */
  method: string
  /** The path pattern, e.g. `/processes/:id`. */
  pattern: string
  /** What the route leads to (the handler). */
  value: T
}

/** The outcome of {@link Router.match}. */
export type RouteMatch<T> =
  | {
      /** A route matched method and path. */
      kind: 'found'
      /** The matched route. */
      route: RouteDefinition<T>
      /** The path parameters, percent-decoded. */
      params: Record<string, string>
    }
  | {
      /** The path matched, but under other methods. */
      kind: 'method-not-allowed'
      /** The methods the path accepts. */
      allow: string[]
    }
  | {
      /** Nothing matched the path. */
      kind: 'not-found'
    }

/** A compiled set of routes, see {@link createRouter}. */
export interface Router<T> {
  /** Finds the route of `method` and `path` (a path without its query). */
  match(method: string, path: string): RouteMatch<T>
}

interface CompiledRoute<T> {
  route: RouteDefinition<T>
  /** Literal segments as strings, parameters as `{ name }`. */
  segments: (string | { name: string })[]
  /** How many parameters: routes with fewer are tried first. */
  params: number
}

/** Splits a path into its non-empty segments (so `/a//b/` is `/a/b`). */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '')
}

/** Compiles `routes` into a {@link Router}. */
export function createRouter<T>(routes: readonly RouteDefinition<T>[]): Router<T> {
  const compiled: CompiledRoute<T>[] = routes
    .map((route) => {
      const segments = segmentsOf(route.pattern).map((segment) =>
        segment.startsWith(':') ? { name: segment.slice(1) } : segment,
      )
      return { route, segments, params: segments.filter((s) => typeof s !== 'string').length }
    })
    .sort((a, b) => a.params - b.params)

  function capture(candidate: CompiledRoute<T>, parts: string[]): Record<string, string> | null {
    if (candidate.segments.length !== parts.length) return null
    const params: Record<string, string> = Object.create(null)
    for (let i = 0; i < parts.length; i++) {
      const segment = candidate.segments[i]!
      const part = parts[i]!
      if (typeof segment === 'string') {
        if (segment !== part) return null
        continue
      }
      try {
        params[segment.name] = decodeURIComponent(part)
      } catch {
        return null // a malformed percent escape matches nothing
      }
    }
    return params
  }

  return {
    match(method, path) {
      const parts = segmentsOf(path)
      const allow: string[] = []
      for (const candidate of compiled) {
        const params = capture(candidate, parts)
        if (params === null) continue
        if (candidate.route.method === method) return { kind: 'found', route: candidate.route, params }
        if (!allow.includes(candidate.route.method)) allow.push(candidate.route.method)
      }
      return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' }
    },
  }
}
