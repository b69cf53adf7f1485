import { describe, expect, it } from 'vitest'
import {
  baseUrlOption,
  integerOption,
  isUsageError,
  listOption,
  numberOption,
  rawOptionValue,
  usageError,
} from './options.js'

function usageMessage(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(isUsageError(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a usage error')
}

describe('integerOption', () => {
  it('takes whole numbers within the range, as numbers or text', () => {
    expect(integerOption(500, '--leads', { min: 1, max: 1000 })).toBe(500)
    expect(integerOption('42', '--leads', { min: 1, max: 1000 })).toBe(42)
  })

  it('refuses anything else, naming the option', () => {
    expect(usageMessage(() => integerOption('abc', '--leads', { min: 1, max: 9 }))).toContain('--leads')
    expect(usageMessage(() => integerOption(2.5, '--leads', { min: 1, max: 9 }))).toContain('"2.5"')
    expect(usageMessage(() => integerOption(0, '--leads', { min: 1, max: 9 }))).toContain('from 1 to 9')
    expect(usageMessage(() => integerOption(true, '--leads', { min: 1, max: 9 }))).toBe(
      '--leads needs a value',
    )
    expect(usageMessage(() => integerOption([1, 2], '--leads', { min: 1, max: 9 }))).toContain(
      'more than once',
    )
  })
})

describe('numberOption', () => {
  it('takes decimals within the range', () => {
    expect(numberOption('0.75', '--answer-rate', { min: 0, max: 1 })).toBe(0.75)
    expect(numberOption('.5', '--answer-rate', { min: 0, max: 1 })).toBe(0.5)
    expect(usageMessage(() => numberOption('1.5', '--answer-rate', { min: 0, max: 1 }))).toContain('0 to 1')
    expect(usageMessage(() => numberOption('1e3', '--gap', { min: 0, max: 1e6 }))).toContain('"1e3"')
  })
})

describe('rawOptionValue', () => {
  it('reads string options exactly as typed', () => {
    expect(rawOptionValue(['stats', '--token', '0123'], '--token')).toBe('0123')
    expect(rawOptionValue(['stats', '--token=0x1F'], '--token')).toBe('0x1F')
    expect(rawOptionValue(['--url', 'a', '--url', 'b'], '--url')).toBe('b')
    expect(rawOptionValue(['--token-file', 'x'], '--token')).toBeUndefined()
    expect(rawOptionValue(['--', '--token', 'x'], '--token')).toBeUndefined()
    expect(rawOptionValue(['--token', '--json'], '--token')).toBeUndefined()
  })
})

describe('listOption', () => {
  it('splits on commas and drops blanks', () => {
    expect(listOption('a, b,,c ')).toEqual(['a', 'b', 'c'])
    expect(listOption(',')).toEqual([])
  })
})

describe('baseUrlOption', () => {
  it('keeps http(s) base URLs without their trailing slash', () => {
    expect(baseUrlOption('http://localhost:3000/')).toBe('http://localhost:3000')
    expect(baseUrlOption('https://example.com/leadcall//')).toBe('https://example.com/leadcall')
  })

  it('refuses what is not a base URL', () => {
    expect(usageMessage(() => baseUrlOption(undefined))).toContain('required')
    expect(usageMessage(() => baseUrlOption('localhost:3000'))).toContain('http or https')
    expect(usageMessage(() => baseUrlOption('not a url'))).toContain('not a URL')
    expect(usageMessage(() => baseUrlOption('http://x/?a=1'))).toContain('without a query')
  })
})

describe('usageError', () => {
  it('is a VALIDATION_FAILED LeadCallError marked as a usage problem', () => {
    const error = usageError('bad')
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(isUsageError(error)).toBe(true)
    expect(isUsageError(new Error('bad'))).toBe(false)
  })
})
