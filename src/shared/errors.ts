// Errors that cross the API boundary. A handler throws `ApiError` with a code the
// interface can act on (not_found, conflict, ...); anything else becomes
// `internal` with its message. Schema failures name the method, the side
// (input/output/event) and every failing field, so a caller sees exactly what to fix.
import type { z } from 'zod'
import type { ErrorCode, WireError } from './types.ts'

export class ApiError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'ApiError'
    this.code = code
  }
}

/** "photos.get: invalid input: id: Invalid input: expected number, received string" */
export function describeSchemaError(where: string, side: 'input' | 'output' | 'payload', error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const at = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
    return `${at}: ${issue.message}`
  })
  return `${where}: invalid ${side}: ${parts.join('; ')}`
}

export function toWireError(error: unknown): WireError {
  if (error instanceof ApiError) return { code: error.code, message: error.message }
  if (error instanceof Error) return { code: 'internal', message: error.message }
  return { code: 'internal', message: String(error) }
}

export function fromWireError(wire: WireError): ApiError {
  return new ApiError(wire.code, wire.message)
}

const codes: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_input',
  'invalid_output',
  'unknown_method',
  'not_found',
  'forbidden',
  'conflict',
  'unavailable',
  'internal',
])

/** Read an envelope that came over a wire; anything malformed is itself an error. */
export function readEnvelope(raw: unknown, where: string): { ok: true; value: unknown } | { ok: false; error: ApiError } {
  if (typeof raw === 'object' && raw !== null && 'ok' in raw) {
    const r = raw as { ok: unknown; value?: unknown; error?: unknown }
    if (r.ok === true) return { ok: true, value: r.value }
    const e = r.error as { code?: unknown; message?: unknown } | undefined
    if (r.ok === false && e && typeof e.message === 'string' && typeof e.code === 'string' && codes.has(e.code)) {
      return { ok: false, error: new ApiError(e.code as ErrorCode, e.message) }
    }
  }
  return { ok: false, error: new ApiError('internal', `${where}: malformed reply from the backend`) }
}
