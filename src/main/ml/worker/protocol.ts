// [Note: ML worker protocol]
// Messages between the app/CLI process and the ML worker, validated with zod on
// BOTH sides (a worker is a trust boundary like any other). Under Node the
// worker is a child_process.fork with `serialization: 'advanced'` (structured
// clone: Float32Arrays travel as binary, not as JSON numbers); Electron's
// utilityProcess speaks the same messages over its MessagePort.
//   parent -> worker: init (once), call (method + args), cancel (call id)
//   worker -> parent: ready | init-error, result | error (per call id), log
import { z } from 'zod'
import { decodeOptionsShape, ProviderRequestSchema } from '../../../shared/ml-options.ts'

const f32 = z.instanceof(Float32Array)
const provider = ProviderRequestSchema

export const workerInitSchema = z.object({
  packDir: z.string(),
  dataDir: z.string(),
  cacheDir: z.string().optional(),
  provider: provider.optional(),
  threads: z.number().int().positive().optional(),
  weights: z.enum(['float32', 'int8', 'int4']).optional(),
  batchSizes: z
    .object({ vision: z.number().int().positive(), text: z.number().int().positive(), greedy: z.number().int().positive(), beam: z.number().int().positive() })
    .partial()
    .optional(),
})
export type WorkerInit = z.infer<typeof workerInitSchema>

const decodeOptions = z.object(decodeOptionsShape).partial()

export const callSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('info'), args: z.tuple([]) }),
  z.object({ method: z.literal('embedImages'), args: z.tuple([z.array(z.string())]) }),
  z.object({ method: z.literal('embedTexts'), args: z.tuple([z.array(z.string())]) }),
  z.object({ method: z.literal('captionEmbeddings'), args: z.tuple([z.array(f32), decodeOptions]) }),
])
export type WorkerCall = z.infer<typeof callSchema>

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), options: workerInitSchema }),
  z.object({ type: z.literal('call'), id: z.number().int(), call: callSchema }),
  z.object({ type: z.literal('cancel'), id: z.number().int() }),
])
export type ToWorker = z.infer<typeof toWorkerSchema>

export const mlInfoSchema = z.object({
  embeddingModelId: z.string(),
  captionModelId: z.string(),
  packName: z.string(),
  isTinyPack: z.boolean(),
  embeddingDim: z.number().int(),
  provider: z.string(),
  providerFallbackReason: z.string().nullable(),
})

export const resultValueSchemas = {
  info: mlInfoSchema,
  embedImages: z.array(z.union([z.object({ ok: z.literal(true), embedding: f32 }), z.object({ ok: z.literal(false), error: z.string() })])),
  embedTexts: z.array(f32),
  captionEmbeddings: z.array(z.object({ caption: z.string(), tokens: z.array(z.number().int()) })),
} as const

export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('init-error'), message: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int(), value: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int(), name: z.string(), message: z.string(), code: z.string().optional() }),
  z.object({ type: z.literal('log'), text: z.string() }),
])
export type FromWorker = z.infer<typeof fromWorkerSchema>
