// [Note: ML service port]
// The contract between the library engine and the ML engine. The engine never
// imports ONNX Runtime; it talks to an `MlService`, which is implemented by
//   - the ML worker process (child_process.fork under Node, utilityProcess in
//     Electron): what the app, `photocap serve` and the library commands
//     (index, watch) use, so inference never stalls a process that serves a UI;
//   - an in-process implementation over the same code: `photocap caption` and
//     `embed` (no UI to keep responsive), the training child's evaluation and
//     the unit tests.
// pipeline/create-ml-service.ts builds either; the CLI's PHOTOCAP_ML_IN_PROCESS
// (cli/support.ts) moves any command from one to the other.
// Both implementations run the real models; nothing here is a fake.

// A decode's options and their limits are the one definition every door shares.
import type { DecodeOptions } from '../../shared/ml-options.ts'
export { defaultDecodeOptions, type DecodeMethod, type DecodeOptions } from '../../shared/ml-options.ts'

export interface MlInfo {
  /** Stable id of the model that produced embeddings: changes when the CLIP tower changes. */
  embeddingModelId: string
  /** Stable id of the captioning model (CLIP + mapping + GPT-2 weights). */
  captionModelId: string
  packName: string
  /** True for the generated tiny pack whose captions are meaningless. */
  isTinyPack: boolean
  /** Dimension of image and text embeddings. */
  embeddingDim: number
  /** Execution provider actually in use, e.g. 'cpu', 'cuda'. */
  provider: string
  /** Why a requested provider was not used, if it was not. */
  providerFallbackReason: string | null
}

export type ImageEmbedResult = { ok: true; embedding: Float32Array } | { ok: false; error: string }

export interface CaptionResult {
  caption: string
  /** GPT-2 ids, stop token excluded. */
  tokens: number[]
}

export interface MlService {
  info(): Promise<MlInfo>
  /** Decode, preprocess and embed image files (projected CLIP image embeddings, unnormalised). */
  embedImages(paths: string[], signal?: AbortSignal): Promise<ImageEmbedResult[]>
  /** Projected CLIP text embeddings, unnormalised. */
  embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>
  /** Captions from stored image embeddings (no image is decoded again). */
  captionEmbeddings(embeddings: Float32Array[], options?: Partial<DecodeOptions>, signal?: AbortSignal): Promise<CaptionResult[]>
  close(): Promise<void>
}
