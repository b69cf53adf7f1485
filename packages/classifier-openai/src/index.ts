/**
 * OpenAI lead classifier for leadcall: {@link openaiClassifier} reads a conversation and asks an
 * OpenAI model (Chat Completions with structured output, `gpt-4.1-mini` by default) how good the
 * lead is, what to do next and which question to send, by leadcall's qualification rubric. The
 * answer is validated with zod; an API error, a timeout, a refusal or an invalid answer falls back
 * to the rule classifier of `@leadcall/core`, and the result says so.
 *
 * - {@link openaiClassifier} creates the classifier (a `ClassifierV1`);
 * - {@link readChatCompletion} and {@link describeOpenAIError} are the pieces it reads answers and
 *   errors with, for a classifier of your own over the OpenAI SDK.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_OPENAI_MODEL,
  describeOpenAIError,
  OPENAI_SCHEMA_NAME,
  type OpenAIClassifierOptions,
  openaiClassifier,
  readChatCompletion,
} from './openai-classifier.js'
