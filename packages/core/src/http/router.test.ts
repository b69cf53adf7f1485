import { describe, expect, it } from 'vitest'
import { hasPollutingKeys, parseJson } from './body.js'
import { createRouter } from './router.js'

describe('createRouter', () => {
  const router = createRouter([
    { method: 'GET', pattern: '/processes/:id', value: 'one' },
    { method: 'GET', pattern: '/processes/latest', value: 'latest' },
    { method: 'POST', pattern: '/leads', value: 'lead' },
    { method: 'PUT', pattern: '/agents/:id/status', value: 'status' },
  ])

  it('matches literal segments before parameters, and decodes parameters', () => {
    expect(router.match('GET', '/processes/latest')).toMatchObject({
      kind: 'found',
      route: { value: 'latest' },
    })
    expect(router.match('GET', '/processes/a%20b')).toMatchObject({ kind: 'found', params: { id: 'a b' } })
    expect(router.match('PUT', '/agents/x/status/')).toMatchObject({ kind: 'found', params: { id: 'x' } })
  })

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('GET', '/leads')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] })
    expect(router.match('GET', '/leads/x')).toEqual({ kind: 'not-found' })
    expect(router.match('GET', '/processes/%E0%A4%A')).toEqual({ kind: 'not-found' })
  })
})

describe('JSON bodies', () => {
  it('finds pollution keys at any depth, iteratively', () => {
    expect(hasPollutingKeys(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toBe(true)
    expect(hasPollutingKeys({ constructor: 'x', prototype: 1 })).toBe(false)
    let deep: unknown = { ok: true }
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(hasPollutingKeys(deep)).toBe(false)
  })

  it('parses plain JSON and keeps "prototype" as an ordinary key elsewhere', () => {
    expect(parseJson('{"prototype":"fine","text":"__proto__ in a value"}')).toEqual({
      prototype: 'fine',
      text: '__proto__ in a value',
    })
  })
})
