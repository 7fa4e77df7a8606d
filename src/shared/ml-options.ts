// The ML engine's choices as one set of constants for every layer: the
// execution providers a person may ask for, the decoding methods and the
// limits of a decode (beam width, caption length). The API's schemas, the
// library settings, the ML worker's protocol, the training child's options and
// the CLI's flags all read them from here, so one door cannot accept what
// another refuses. Isomorphic (zod only): the renderer and the ML engine share it.
import { z } from 'zod'

/** Execution providers, as onnxruntime-node names them. */
export const PROVIDER_NAMES = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

/** What a person may ask for: a provider, or 'auto' (the platform's accelerator, then the CPU). */
export const PROVIDER_REQUESTS = ['auto', ...PROVIDER_NAMES] as const
export type ProviderRequest = (typeof PROVIDER_REQUESTS)[number]

export function isProviderRequest(x: string): x is ProviderRequest {
  return (PROVIDER_REQUESTS as readonly string[]).includes(x)
}

export const ProviderRequestSchema = z.enum(PROVIDER_REQUESTS)

/** The choices in a sentence: 'auto, cpu, cuda, dml, coreml or webgpu'. */
export const PROVIDER_REQUESTS_TEXT = `${PROVIDER_REQUESTS.slice(0, -1).join(', ')} or ${PROVIDER_REQUESTS.at(-1)}`

export const DECODE_METHODS = ['greedy', 'beam'] as const
export type DecodeMethod = (typeof DECODE_METHODS)[number]

/**
 * The widest beam any door accepts. A beam decode runs photos × beam rows, each
 * with its own GPT-2 cache; past 16 the captions stop improving (the paper
 * uses 5) while memory and time grow with every row.
 */
export const MAX_BEAM = 16
/** The longest caption any door asks for, in GPT-2 tokens (the paper's limit is 67). */
export const MAX_CAPTION_TOKENS = 200

/** The fields of a decode, each with its limits. */
export const decodeOptionsShape = {
  method: z.enum(DECODE_METHODS),
  /** Beam width (paper default 5). */
  beamSize: z.number().int().min(1).max(MAX_BEAM),
  /** Maximum number of generated tokens (paper: 67). */
  maxTokens: z.number().int().min(1).max(MAX_CAPTION_TOKENS),
}

/** A decode as the API takes it (no other fields). */
export const DecodeOptionsSchema = z.strictObject(decodeOptionsShape)
export type DecodeOptions = z.output<typeof DecodeOptionsSchema>

/** The paper's decoding: greedy, beam width 5 when beam is asked for, 67 tokens. */
export const defaultDecodeOptions: DecodeOptions = { method: 'greedy', beamSize: 5, maxTokens: 67 }
