/**
 * The shapes of Twilio's resource ids (SIDs): two letters naming the resource, then 32 hex digits.
 *
 * @module
 */

/** A Call SID: `CA` and 32 hex digits. */
export const CALL_SID = /^CA[0-9a-fA-F]{32}$/
/** An Account SID: `AC` and 32 hex digits. */
export const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/
/** A Message SID: `SM` (text) or `MM` (media) and 32 hex digits. */
export const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/
