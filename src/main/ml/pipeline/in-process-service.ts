// The MlService port implemented in this process over the real models:
//   image files -> preprocess (sharp) -> CLIP vision -> image embeddings
//   texts -> CLIP tokenizer -> text tower (cut after the batch's last EOT)
//   embeddings -> mapping -> batched greedy/beam decoding with the KV cache
//     -> GPT-2 ids -> text (byte-level decode + HF clean-up, as the paper's
//        repo printed it) -> formatCaption (trimmed, first letter capitalised)
// The worker process (../worker) runs exactly this class.
import * as ort from 'onnxruntime-node'
import { defaultDecodeOptions, type CaptionResult, type DecodeOptions, type ImageEmbedResult, type MlInfo, type MlService } from '../service.ts'
import { loadClipPixels } from '../preprocess/image-decode.ts'
import { generateGreedy } from '../decoding/greedy.ts'
import { generateBeam } from '../decoding/beam.ts'
import { throwIfAborted } from '../decoding/generation-config.ts'
import { formatCaption } from '../tokenizers/gpt2-bpe.ts'
import { Gpt2DecoderStep } from './gpt2-decoder-step.ts'
import type { PackRuntime } from './pack-runtime.ts'

export interface BatchSizes {
  /** Images per CLIP vision run. */
  vision: number
  /** Texts per CLIP text run. */
  text: number
  /** Photos decoded together, greedy. */
  greedy: number
  /** Photos decoded together, beam search (rows = photos × beam size). */
  beam: number
}

// From `npm run bench -- caption` (real-size random pack, 20-token
// captions, 2-core CPU at load 18-25, so judged by CPU seconds per image, which
// a busy machine disturbs least): greedy batch 16 / 32 / 64 took 0.157 / 0.143 /
// 0.148 CPU-s per image (wall 1.35 / 1.39 / 1.10 images/s), beam 5 at 4 / 8 / 16
// photos 0.49 / 0.365 / 0.363 (wall 0.25 / 0.44 / 0.37 images/s). Bigger
// batches stop paying while the KV cache (rows × 24 × past × 768 floats) grows.
export const defaultBatchSizes: BatchSizes = { vision: 8, text: 32, greedy: 32, beam: 8 }

export class InProcessMlService implements MlService {
  private decoder: Gpt2DecoderStep | null = null

  constructor(
    readonly runtime: PackRuntime,
    private readonly batch: BatchSizes = defaultBatchSizes,
  ) {}

  async info(): Promise<MlInfo> {
    // The provider is known once a session exists; create the smallest one.
    if (this.runtime.provider === null) await this.runtime.session('mapping')
    const { pack, hashes } = this.runtime
    return {
      embeddingModelId: hashes.embeddingModelId,
      captionModelId: hashes.captionModelId,
      packName: pack.name,
      isTinyPack: pack.isTiny,
      embeddingDim: pack.clip.config.projectionDim,
      provider: this.runtime.provider ?? 'cpu',
      providerFallbackReason: this.runtime.providerFallbackReason,
    }
  }

  async embedImages(paths: string[], signal?: AbortSignal): Promise<ImageEmbedResult[]> {
    const results: ImageEmbedResult[] = new Array(paths.length)
    const size = this.runtime.pack.imageSize
    const dim = this.runtime.pack.clip.config.projectionDim
    for (let start = 0; start < paths.length; start += this.batch.vision) {
      throwIfAborted(signal)
      const chunk = paths.slice(start, start + this.batch.vision)
      const good: { index: number; pixels: Float32Array }[] = []
      for (const [j, file] of chunk.entries()) {
        try {
          good.push({ index: start + j, pixels: (await loadClipPixels(file, { size })).pixelValues })
        } catch (error) {
          results[start + j] = { ok: false, error: error instanceof Error ? error.message : String(error) }
        }
      }
      if (good.length === 0) continue
      const stacked = new Float32Array(good.length * 3 * size * size)
      good.forEach((g, j) => stacked.set(g.pixels, j * 3 * size * size))
      throwIfAborted(signal)
      const session = await this.runtime.session('clipVision')
      const out = await session.run({ pixel_values: new ort.Tensor('float32', stacked, [good.length, 3, size, size]) })
      const emb = out.image_embeds!.data as Float32Array
      good.forEach((g, j) => {
        results[g.index] = { ok: true, embedding: emb.slice(j * dim, (j + 1) * dim) }
      })
    }
    return results
  }

  async embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const tok = this.runtime.clipTokenizer()
    const dim = this.runtime.pack.clip.config.projectionDim
    const out: Float32Array[] = []
    for (let start = 0; start < texts.length; start += this.batch.text) {
      throwIfAborted(signal)
      const chunk = texts.slice(start, start + this.batch.text)
      const rows = chunk.map((t) => tok.tokenize(t, { truncate: true }))
      // The text tower pools at each row's EOT: nothing after the batch's last EOT matters.
      const T = Math.max(...rows.map((r) => r.eotIndex)) + 1
      const ids = new BigInt64Array(chunk.length * T)
      rows.forEach((r, i) => {
        for (let j = 0; j < T; j++) ids[i * T + j] = BigInt(r.ids[j] ?? 0)
      })
      const session = await this.runtime.session('clipText')
      const res = await session.run({ input_ids: new ort.Tensor('int64', ids, [chunk.length, T]) })
      const emb = res.text_embeds!.data as Float32Array
      for (let i = 0; i < chunk.length; i++) out.push(emb.slice(i * dim, (i + 1) * dim))
    }
    return out
  }

  /** Prefixes [n, K, E] for CLIP embeddings (the mapping graph normalises when the pack says so). */
  async prefixes(embeddings: Float32Array[]): Promise<Float32Array> {
    const clipDim = this.runtime.pack.mapping.config.clipDim
    const flat = new Float32Array(embeddings.length * clipDim)
    embeddings.forEach((e, i) => {
      if (e.length !== clipDim) throw new Error(`embedding ${i} has ${e.length} values; this pack's mapping expects ${clipDim}`)
      flat.set(e, i * clipDim)
    })
    const session = await this.runtime.session('mapping')
    const out = await session.run({ clip_embedding: new ort.Tensor('float32', flat, [embeddings.length, clipDim]) })
    return out.prefix!.data as Float32Array
  }

  async captionEmbeddings(embeddings: Float32Array[], options: Partial<DecodeOptions> = {}, signal?: AbortSignal): Promise<CaptionResult[]> {
    const opts: DecodeOptions = { ...defaultDecodeOptions, ...options }
    const { pack } = this.runtime
    const gen = { ...pack.generation, maxTokens: options.maxTokens ?? pack.generation.maxTokens, beamSize: opts.beamSize }
    if (gen.maxTokens + pack.mapping.config.prefixLength > pack.gpt2.config.nPositions) {
      throw new Error(`maxTokens ${gen.maxTokens} + prefix ${pack.mapping.config.prefixLength} exceeds GPT-2's ${pack.gpt2.config.nPositions} positions`)
    }
    this.decoder ??= new Gpt2DecoderStep(await this.runtime.session('gpt2'), pack.gpt2.config)
    const K = pack.mapping.config.prefixLength
    const per = opts.method === 'beam' ? this.batch.beam : this.batch.greedy
    const results: CaptionResult[] = []
    for (let start = 0; start < embeddings.length; start += per) {
      throwIfAborted(signal)
      const chunk = embeddings.slice(start, start + per)
      const prefix = await this.prefixes(chunk)
      const tokenLists =
        opts.method === 'beam'
          ? (await generateBeam(this.decoder, prefix, chunk.length, K, gen, signal)).map((r) => r.beams[0]!.tokens)
          : (await generateGreedy(this.decoder, prefix, chunk.length, K, gen, signal)).map((r) => r.tokens)
      for (const tokens of tokenLists) results.push(this.toCaption(tokens))
    }
    return results
  }

  /** Generated ids (stop token included when produced) -> the caption and the ids without the stop token. */
  toCaption(generated: number[]): CaptionResult {
    const stop = this.runtime.pack.generation.stopTokenId
    const text = this.runtime.gpt2Tokenizer().decode(generated, { hfCleanup: true })
    const tokens = generated[generated.length - 1] === stop ? generated.slice(0, -1) : generated
    return { caption: formatCaption(text), tokens }
  }

  async close(): Promise<void> {
    this.decoder = null
    await this.runtime.close()
  }
}
