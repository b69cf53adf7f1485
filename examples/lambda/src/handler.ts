/**
 * The Lambda entry point: `handler` (SAM `Handler: app/handler.handler` once bundled).
 *
 * The app lives in a module-level variable on purpose: Lambda keeps the module loaded between the
 * invocations one container serves, so the storage connections and the pipeline are created on the
 * first invocation and reused by the next ones. This is the one place where module state is right;
 * everything else is built by factories.
 *
 * @module
 */
import { createLambdaApp } from './lambda-app.js'

const lambda = createLambdaApp({ env: process.env })

/** API Gateway HTTP API (payload 2.0) and Lambda Function URL events → leadcall. */
export const handler = lambda.handler
