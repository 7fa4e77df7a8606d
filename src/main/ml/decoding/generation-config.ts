// Generation constants of the paper's predict.py.

import { CancelledError } from '../cancelled.ts'

export interface GenerationConfig {
  /** GPT-2 id of "." (tokenizer.encode('.')[0]). */
  stopTokenId: number
  /** Maximum number of generated tokens (the paper's entry_length). */
  maxTokens: number
  beamSize: number
}

export const paperGeneration: GenerationConfig = { stopTokenId: 13, maxTokens: 67, beamSize: 5 }

/** An aborted decode: a CancelledError (code 'cancelled'), named as the platform names an abort. */
export class DecodeAbortedError extends CancelledError {
  constructor() {
    super('decoding was cancelled')
    this.name = 'AbortError'
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DecodeAbortedError()
}
