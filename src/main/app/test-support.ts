// Shared by the bridge tests: call an API method through a backend's dispatcher
// as a front door would, throwing the API's error (with its code) on failure.
import type { MethodInput, MethodName, MethodOutput } from '../../shared/api.ts'
import type { Backend } from './backend.ts'

/** `backend` is read at each call: tests create it in beforeAll. */
export function apiCaller(backend: () => Backend): <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>> {
  return async (method, input) => {
    const r = await backend().dispatcher.dispatch(method, input)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code })
    return r.value as MethodOutput<typeof method>
  }
}
