import { describe, expect, it } from 'vitest'
import { parseEndpointTemplate } from './ari-endpoint-template.js'

const LEAD = ['number', 'digits'] as const
const values = { number: '+14155550199', digits: '14155550199' }

describe('parseEndpointTemplate', () => {
  it.each([
    ['PJSIP/{number}@trunk', 'PJSIP/+14155550199@trunk'],
    ['PJSIP/{digits}@trunk', 'PJSIP/14155550199@trunk'],
    ['SIP/trunk/{digits}', 'SIP/trunk/14155550199'],
    ['Local/{digits}@from-leadcall', 'Local/14155550199@from-leadcall'],
    ['PJSIP/9{digits}@trunk', 'PJSIP/914155550199@trunk'],
  ])('expands %s', (template, expected) => {
    expect(parseEndpointTemplate(template, LEAD).expand(values)).toBe(expected)
  })

  it('reads the technology when the template starts with one', () => {
    expect(parseEndpointTemplate('PJSIP/{ext}', ['ext']).technology).toBe('PJSIP')
    expect(parseEndpointTemplate('PJSIP/{ext}', ['ext']).placeholders).toEqual(['ext'])
  })

  it.each([
    ['trunk', /not a dial string/],
    ['PJSIP/', /not a dial string/],
    ['/1001', /not a dial string/],
    ['PJSIP/{phone}@trunk', /uses \{phone\}/],
    ['PJSIP/{number@trunk', /unbalanced \{/],
    ['PJSIP/number}@trunk', /unbalanced \}/],
    ['PJSIP/1001', /must use \{number\} or \{digits\}/],
    ['PJSIP/{number} @trunk', /whitespace/],
  ])('refuses %s', (template, message) => {
    expect(() => parseEndpointTemplate(template, LEAD)).toThrow(message)
  })

  it.each(['10 01', '1001&PJSIP/1002', '1001,1002', '"1001"', '<1001>', '1001|x', 'a\\b'])(
    'refuses to expand the unsafe value %j',
    (ext) => {
      expect(() => parseEndpointTemplate('PJSIP/{ext}', ['ext']).expand({ ext })).toThrow(/forbidden/)
    },
  )

  it('refuses to expand without a value', () => {
    expect(() => parseEndpointTemplate('PJSIP/{ext}', ['ext']).expand({})).toThrow(/no value for \{ext\}/)
  })

  it('matches dial strings back to their values', () => {
    const agent = parseEndpointTemplate('PJSIP/{ext}', ['ext'])
    expect(agent.match('PJSIP/1001')).toEqual({ ext: '1001' })
    expect(agent.match('SIP/1001')).toBeUndefined()
    const lead = parseEndpointTemplate('PJSIP/{number}@trunk', LEAD)
    expect(lead.match('PJSIP/+14155550199@trunk')).toEqual({ number: '+14155550199' })
    expect(lead.match('PJSIP/+14155550199@other')).toBeUndefined()
    // Literal regex characters are taken literally.
    expect(parseEndpointTemplate('IAX2/a.b/{ext}', ['ext']).match('IAX2/aXb/1')).toBeUndefined()
  })

  it('requires a placeholder used twice to hold the same value', () => {
    const template = parseEndpointTemplate('Local/{ext}@agents-{ext}', ['ext'])
    expect(template.expand({ ext: '7' })).toBe('Local/7@agents-7')
    expect(template.match('Local/7@agents-7')).toEqual({ ext: '7' })
    expect(template.match('Local/7@agents-8')).toBeUndefined()
  })
})
