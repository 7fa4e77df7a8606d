// The backend half of the one API table: look the method up, parse the input
// with its schema, run the handler, check the output with its schema, and answer
// with an envelope. Electron IPC and the HTTP bridge both call `dispatch`; the
// CLI may too. Output is checked as well, so an engine change that breaks the
// contract shows up as a clear `invalid_output` error instead of a confused page.
import { isMethodName, methods, type MethodName, type MethodOutput, type ParsedInput } from '../../shared/api.ts'
import { ApiError, describeSchemaError, toWireError } from '../../shared/errors.ts'
import type { Envelope } from '../../shared/types.ts'
import { EngineError } from '../engine/errors.ts'

export type Handlers = { [M in MethodName]: (input: ParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M> }

export interface Dispatcher {
  dispatch(method: string, input: unknown): Promise<Envelope>
}

export function createDispatcher(handlers: Handlers, options: { onError?: (method: string, error: unknown) => void } = {}): Dispatcher {
  return {
    async dispatch(method, input) {
      if (!isMethodName(method)) {
        return { ok: false, error: { code: 'unknown_method', message: `unknown method '${String(method).slice(0, 100)}'` } }
      }
      const spec = methods[method]
      const parsed = spec.input.safeParse(input ?? {})
      if (!parsed.success) {
        return { ok: false, error: { code: 'invalid_input', message: describeSchemaError(method, 'input', parsed.error) } }
      }
      try {
        const handler = handlers[method] as (input: unknown) => unknown
        const value = await handler(parsed.data)
        const checked = spec.output.safeParse(value)
        if (!checked.success) throw new ApiError('invalid_output', describeSchemaError(method, 'output', checked.error))
        return { ok: true, value: checked.data }
      } catch (thrown) {
        // the engine's typed errors keep their code across the boundary (src/main/engine/errors.ts)
        const error = thrown instanceof EngineError ? new ApiError(thrown.code, thrown.message) : thrown
        if (!(error instanceof ApiError) || error.code === 'internal' || error.code === 'invalid_output') options.onError?.(method, error)
        return { ok: false, error: toWireError(error) }
      }
    },
  }
}
