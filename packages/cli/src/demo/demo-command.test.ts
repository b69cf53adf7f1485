import { describe, expect, it } from 'vitest'
import { captureIo } from '../io.test-util.js'
import { demoCommand } from './demo-command.js'

const fast = { leads: 12, spreadMs: 400, talkMs: 100, ringMs: 40, noAnswerMs: 400, seed: 2 }

describe('demoCommand', () => {
  it('prints the header, the counters, a table per agent and the speed-to-lead percentiles', async () => {
    const { io, stdout } = captureIo()
    await demoCommand(fast, io)
    const out = stdout()
    expect(out).toMatch(
      /^leadcall demo — 12 leads over ~0 s, 5 agents, memory storage, simulated telephony\n\nreceived 10\/12, completed \d+, failed \d+, refused 2\n/,
    )
    expect(out).toContain('\nPer agent:\n')
    for (const name of ['Alice Martin', 'Bruno Rossi', 'Carmen López', 'Dana Smith', 'Emeka Obi'])
      expect(out).toContain(`'${name}'`)
    expect(out).toMatch(/received → dial started │ '\d+\.\d\d s'/)
    expect(out).toContain('Refused at intake: 1 × MISSING_PHONE, 1 × INVALID_PHONE')
  }, 30_000)

  it('draws the live progress line on a terminal', async () => {
    const { io, stdout } = captureIo({ tty: true })
    await demoCommand(fast, io)
    expect(stdout()).toMatch(/\rreceived 10\/12 {2}queued \d+ {2}dialing \d+ {2}completed \d+/)
  }, 30_000)

  it('prints the summary and its percentiles as JSON only with json', async () => {
    const { io, stdout } = captureIo({ tty: true })
    await demoCommand({ ...fast, json: true }, io)
    const report = JSON.parse(stdout())
    expect(report.progress.total).toBe(12)
    expect(report.agents).toHaveLength(5)
    expect(report.refused).toEqual({ MISSING_PHONE: 1, INVALID_PHONE: 1 })
    expect(report.percentiles.speedToDial.p50).toBeTypeOf('number')
    expect(report.percentiles.speedToDial.p99).toBeGreaterThanOrEqual(report.percentiles.speedToDial.p50)
  }, 30_000)
})
