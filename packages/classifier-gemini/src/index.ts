/**
 * Gemini lead classifier for leadcall: {@link geminiClassifier} reads a conversation and asks a
 * Gemini model (`generateContent` of `@google/genai` with a JSON response schema,
 * `gemini-2.5-flash` by default) how good the lead is, what to do next and which question to
 * send, by leadcall's qualification rubric. The answer is validated with zod; an API error, a
 * timeout, a blocked prompt or answer, or an invalid answer falls back to the rule classifier of
 * `@leadcall/core`, and the result says so.
 *
 * - {@link geminiClassifier} creates the classifier (a `ClassifierV1`);
 * - {@link readGenerateContentResponse} and {@link describeGeminiError} are the pieces it reads
 *   answers and errors with, for a classifier of your own over `@google/genai`.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_GEMINI_MODEL,
  describeGeminiError,
  type GeminiClassifierOptions,
  geminiClassifier,
  readGenerateContentResponse,
} from './gemini-classifier.js'
