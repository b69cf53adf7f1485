/**
 * The rule classifier on the labelled evaluation set (bench/classifier/conversations.jsonl):
 * conversations in Spanish, Italian and English, sales, support and noise, each labelled by the
 * rubric of docs/qualification.md. Reports quality, next-action and intent accuracy, overall and
 * per language, the confusion matrices and the classifications per second.
 *
 * `pnpm bench classifier [--json] [--mistakes]`
 */
import { readFileSync } from 'node:fs'
import {
  type ConfusionMatrix,
  evaluateClassifier,
  parseLabelledConversations,
  ruleClassifier,
} from '@leadcall/core'
import { json, report } from './support.js'

const file = new URL('./classifier/conversations.jsonl', import.meta.url)
const conversations = parseLabelledConversations(readFileSync(file, 'utf8'))
const classifier = ruleClassifier()

const evaluation = await evaluateClassifier(classifier, conversations)
const percent = (share: number) => Math.round(share * 1000) / 10
const FIELDS = ['quality', 'nextAction', 'intent'] as const

report({ name: 'classifier.conversations', value: evaluation.total, unit: 'count' })
for (const field of FIELDS) {
  report({ name: `classifier.${field}.accuracy`, value: percent(evaluation.accuracy[field]), unit: '%' })
}
for (const [language, figures] of Object.entries(evaluation.byLanguage).sort()) {
  for (const field of FIELDS) {
    report({ name: `classifier.${field}.accuracy.${language}`, value: percent(figures[field]), unit: '%' })
  }
}
// The held-out split was written after the rules and never used to change them: the honest figure
// for conversations the rules have not seen.
for (const split of ['dev', 'holdout'] as const) {
  const part = conversations.filter((c) => (c.split ?? 'dev') === split)
  if (part.length === 0) continue
  const figures = await evaluateClassifier(classifier, part)
  report({ name: `classifier.${split}.conversations`, value: part.length, unit: 'count' })
  for (const field of FIELDS) {
    report({
      name: `classifier.${field}.accuracy.${split}`,
      value: percent(figures.accuracy[field]),
      unit: '%',
    })
  }
}

// ---------------------------------------------------------------- speed
// Warm up, then classify the whole set again and again for about a second.
for (let i = 0; i < 3; i++) await evaluateClassifier(classifier, conversations)
let classified = 0
const started = performance.now()
while (performance.now() - started < 1000) {
  for (const conversation of conversations) {
    await classifier.classify({
      messages: conversation.messages,
      ...(conversation.lead ? { lead: conversation.lead } : {}),
    })
  }
  classified += conversations.length
}
const seconds = (performance.now() - started) / 1000
report({ name: 'classifier.speed', value: Math.round(classified / seconds), unit: 'classifications/s' })
// CPU time of the same work: the figure on an idle core, whatever else the machine is doing.
const cpuStart = process.cpuUsage()
for (const conversation of conversations) {
  await classifier.classify({
    messages: conversation.messages,
    ...(conversation.lead ? { lead: conversation.lead } : {}),
  })
}
const cpu = process.cpuUsage(cpuStart)
report({
  name: 'classifier.speed.cpu',
  value: Math.round(conversations.length / ((cpu.user + cpu.system) / 1e6)),
  unit: 'classifications/cpu-s',
})
report({
  name: 'classifier.latency.mean',
  value: Math.round(((seconds * 1000) / classified) * 1000) / 1000,
  unit: 'ms',
})

// ---------------------------------------------------------------- confusion matrices
const ORDER: Record<string, readonly string[]> = {
  quality: ['hot', 'warm', 'cold'],
  nextAction: [
    'transfer_to_support',
    'create_lead',
    'request_contact_info',
    'ask_about_interest',
    'gather_more_details',
    'ask_clarifying_question',
  ],
  intent: ['sales', 'support', 'other'],
}

/** The matrix with every label of the field as a row and a column, zeros included. */
function complete(field: string, matrix: ConfusionMatrix): ConfusionMatrix {
  const labels = ORDER[field]!
  return Object.fromEntries(
    labels.map((expected) => [
      expected,
      Object.fromEntries(labels.map((a) => [a, matrix[expected]?.[a] ?? 0])),
    ]),
  )
}

for (const field of ['quality', 'nextAction', 'intent'] as const) {
  const matrix = complete(field, evaluation.confusion[field])
  if (json) {
    console.log(JSON.stringify({ name: `classifier.${field}.confusion`, value: matrix, unit: 'count' }))
    continue
  }
  const labels = ORDER[field]!
  const short = (label: string) => label.replace(/_/g, ' ').slice(0, 12)
  console.log(`\n${field} confusion (rows: expected, columns: classifier)`)
  console.log(`${''.padEnd(24)}${labels.map((l) => short(l).padStart(13)).join('')}`)
  for (const expected of labels) {
    console.log(
      `${expected.padEnd(24)}${labels.map((a) => String(matrix[expected]![a]).padStart(13)).join('')}`,
    )
  }
}

if (process.argv.includes('--mistakes')) {
  const byId = new Map(conversations.map((c) => [c.id, c]))
  console.log('\nmistakes:')
  for (const mistake of evaluation.mistakes) {
    const text = byId
      .get(mistake.id)!
      .messages.map((m) => `${m.role === 'user' ? 'U' : 'A'}: ${m.text}`)
      .join(' | ')
    console.log(
      `${mistake.id} ${mistake.field}: expected ${mistake.expected}, got ${mistake.actual}  ${text}`,
    )
  }
}
