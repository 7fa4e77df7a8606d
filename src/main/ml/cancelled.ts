// Cancellation as a type, not a wording. Work stopped because someone asked
// (jobs.cancel, a cancelled or paused training run, an aborted ML call, a
// shutdown) is a CancelledError, or an error whose `code` is 'cancelled' once
// it has crossed a process boundary: structured clone and the worker protocols
// keep only a name, a message and a code, never the class. Nothing here reads
// the message, so a caption, a path or a reason that happens to contain
// "cancelled" is never taken for a cancellation.
//
// It lives in the ML layer, the lowest one, so the ML engine (decoding, the
// worker client, the training loop) and everything above it share one type.

export const CANCELLED = 'cancelled'

export class CancelledError extends Error {
  readonly code = CANCELLED
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

/**
 * Whether `error` means "cancelled", not "failed": a CancelledError, an error
 * that carries its code across a boundary, or the platform's AbortError (the
 * default reason of an aborted AbortSignal).
 */
export function isCancelled(error: unknown): boolean {
  if (error instanceof CancelledError) return true
  if (typeof error !== 'object' || error === null) return false
  const { name, code } = error as { name?: unknown; code?: unknown }
  return code === CANCELLED || name === 'CancelledError' || name === 'AbortError'
}

/** What of an error crosses a process boundary: its name, its message and, when it has one, its string code. */
export interface SerializedError {
  name: string
  message: string
  code?: string | undefined
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const code = isCancelled(error) ? CANCELLED : (error as { code?: unknown }).code
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) }
}

/** The error again on the other side: a CancelledError when it was one, else an Error with the same name (and code). */
export function reviveError(e: SerializedError): Error {
  if (e.code === CANCELLED) return new CancelledError(e.message)
  const error = new Error(e.message)
  error.name = e.name
  if (e.code !== undefined) Object.assign(error, { code: e.code })
  return error
}
