export { type CatalogueEntry, DEFAULT_CATALOGUE } from './catalogue.js'
export * from './classification.js'
export type {
  ClassifierV1,
  ClassifyInput,
  ClassifyOptions,
  ConversationMessage,
  KnownContact,
} from './classifier.js'
export { type CityEntry, DEFAULT_CITIES } from './default-cities.js'
export {
  type ClassifierEvaluation,
  type ConfusionMatrix,
  type EvaluatedField,
  evaluateClassifier,
  type FieldAccuracy,
  type LabelledConversation,
  LabelledConversationSchema,
  parseLabelledConversations,
} from './evaluate-classifier.js'
export {
  DEFAULT_FOLLOW_UP_QUESTIONS,
  type FollowUpQuestionOverrides,
  type FollowUpQuestions,
} from './follow-up-questions.js'
export * from './llm-fallback.js'
export * from './llm-prompt.js'
export { type RuleClassifierOptions, ruleClassifier } from './rule-classifier.js'
