// IPC channel names, derived from the API table (never written by hand).
import type { EventName, MethodName } from '../api.ts'

export const methodChannel = (method: MethodName): string => `api:${method}`
export const eventChannel = (event: EventName): string => `event:${event}`
/** Scheme of the image protocol Electron registers: photocap-img://thumb/123 */
export const imageScheme = 'photocap-img'

/**
 * What the preload exposes as `window.api`: two generic functions, nothing that
 * reaches Node or the file system. Replies come back as envelopes because
 * Electron strips everything but the message from a rejected invoke.
 */
export interface PreloadApi {
  invoke(method: string, input: unknown): Promise<unknown>
  on(event: string, handler: (payload: unknown) => void): () => void
}
