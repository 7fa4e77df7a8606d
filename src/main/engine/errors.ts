// Errors the engine's callers can act on, typed by what went wrong rather than
// recognised by their wording: a front door maps `code` to its own vocabulary
// (the API's error codes, a CLI exit status) without reading the message, so a
// caption or a path that happens to contain "cancelled" or "not found" cannot
// be misclassified.

export type EngineErrorCode =
  /** The input names nothing that exists (a photo id, a folder id). */
  | 'not_found'
  /** The input cannot mean anything (an empty caption, an unreadable date, a folder that is a file). */
  | 'invalid_input'
  /** The request is fine but the library's state does not allow it now (not embedded yet, overlapping folders). */
  | 'conflict'
  /** Something the request needs is not there (no model loaded). */
  | 'unavailable'

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'EngineError'
  }
}

// Work stopped because someone asked it to (jobs.cancel, a cancelled training
// run, shutdown): one type from the lowest layer, so the ML engine's aborts and
// the engine's cancellations are recognised the same way on both sides of a
// process boundary.
export { CancelledError, isCancelled } from '../ml/cancelled.ts'
