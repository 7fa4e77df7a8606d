// CLIP's BPE tokenizer (openai/CLIP simple_tokenizer.py + clip.tokenize):
// clean, pre-tokenise (digits one per token, no spaces in tokens), byte symbols
// with `</w>` on each chunk's last symbol, merge by rank; `tokenize` wraps in
// <|startoftext|> ... <|endoftext|> and zero-pads to the context length.
import { byteSymbolsToBytes, decodeUtf8, textToByteSymbols } from './byte-unicode.ts'
import { BpeCache, bpeMerge, buildMergeRanks, type MergeRanks } from './bpe.ts'
import { cleanClipText, type ClipCleanOptions } from './clip-clean.ts'

export const CLIP_SOT = '<|startoftext|>'
export const CLIP_EOT = '<|endoftext|>'
export const CLIP_CONTEXT_LENGTH = 77

// IGNORECASE like the original; \p{White_Space} is Python regex's \s (see gpt2-bpe.ts).
export const CLIP_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\p{White_Space}\p{L}\p{N}]+/giu

export interface ClipVocab {
  /** token symbol string -> id (HF vocab.json) */
  encoder: Record<string, number>
  /** merges in rank order */
  merges: [string, string][]
}

export interface ClipTokenizeOptions extends ClipCleanOptions {
  contextLength?: number
  /** keep the first contextLength ids and end with EOT instead of failing */
  truncate?: boolean
}

export interface ClipTokenized {
  /** [contextLength] ids: SOT, text, EOT, zeros */
  ids: number[]
  /** index of the first EOT (where the text tower pools) */
  eotIndex: number
}

export class ClipTokenizer {
  readonly sot: number
  readonly eot: number
  readonly vocabSize: number
  private readonly encoder: Map<string, number>
  private readonly decoder: string[] = []
  private readonly ranks: MergeRanks
  private readonly cache = new BpeCache()

  constructor(
    vocab: ClipVocab,
    readonly source = 'CLIP vocabulary',
  ) {
    this.encoder = new Map(Object.entries(vocab.encoder))
    for (const [sym, id] of this.encoder) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${source}: token ${JSON.stringify(sym)} has invalid id ${id}`)
      this.decoder[id] = sym
    }
    this.vocabSize = this.decoder.length
    const sot = this.encoder.get(CLIP_SOT)
    const eot = this.encoder.get(CLIP_EOT)
    if (sot === undefined || eot === undefined) throw new Error(`${source}: vocabulary lacks ${CLIP_SOT} or ${CLIP_EOT}`)
    this.sot = sot
    this.eot = eot
    this.ranks = buildMergeRanks(vocab.merges)
  }

  clean(text: string, options: ClipCleanOptions = {}): string {
    return cleanClipText(text, options)
  }

  /**
   * Chunks of already-cleaned text. U+0345 (combining ypogegrammeni) is matched
   * by none of Python `regex`'s alternatives, so it ends a chunk and vanishes;
   * JavaScript's case-insensitive \p{L} would take it as a letter (it folds to ι).
   */
  pretokenize(cleaned: string): string[] {
    return cleaned.replaceAll('\u0345', ' ').match(CLIP_PATTERN) ?? []
  }

  /** BPE symbols of one chunk (the special strings map to themselves). */
  bpe(chunk: string): string[] {
    if (chunk === CLIP_SOT || chunk === CLIP_EOT) return [chunk]
    const symbols = textToByteSymbols(chunk)
    const hit = this.cache.get(symbols)
    if (hit) return hit
    const chars = [...symbols]
    chars[chars.length - 1] += '</w>'
    const pieces = bpeMerge(chars, this.ranks)
    this.cache.set(symbols, pieces)
    return pieces
  }

  pieces(text: string, options: ClipCleanOptions = {}): string[] {
    return this.pretokenize(this.clean(text, options)).flatMap((chunk) => this.bpe(chunk))
  }

  /** simple_tokenizer.encode: ids without SOT/EOT. */
  encode(text: string, options: ClipCleanOptions = {}): number[] {
    return this.pieces(text, options).map((piece) => {
      const id = this.encoder.get(piece)
      if (id === undefined) throw new Error(`${this.source}: BPE piece ${JSON.stringify(piece)} has no id (vocabulary and merges do not belong together)`)
      return id
    })
  }

  /** clip.tokenize for one text. */
  tokenize(text: string, options: ClipTokenizeOptions = {}): ClipTokenized {
    const contextLength = options.contextLength ?? CLIP_CONTEXT_LENGTH
    let ids = [this.sot, ...this.encode(text, options), this.eot]
    if (ids.length > contextLength) {
      if (!options.truncate)
        throw new Error(`text is too long for context length ${contextLength} (${ids.length} tokens): ${JSON.stringify(text.slice(0, 60))}`)
      ids = ids.slice(0, contextLength)
      ids[contextLength - 1] = this.eot
    }
    const eotIndex = ids.indexOf(this.eot)
    while (ids.length < contextLength) ids.push(0)
    return { ids, eotIndex }
  }

  /**
   * A batch as the text tower wants it: int64 [B, T], zero padded. With `trim`,
   * T is cut after the last EOT of the batch (the ONNX text graph accepts T <= 77).
   */
  tokenizeBatch(
    texts: readonly string[],
    options: ClipTokenizeOptions & { trim?: boolean } = {},
  ): { data: BigInt64Array; shape: [number, number]; eotIndices: number[] } {
    const rows = texts.map((t) => this.tokenize(t, options))
    const full = options.contextLength ?? CLIP_CONTEXT_LENGTH
    const width = options.trim ? Math.max(1, ...rows.map((r) => r.eotIndex + 1)) : full
    const data = new BigInt64Array(rows.length * width)
    rows.forEach((r, b) => {
      for (let t = 0; t < width; t++) data[b * width + t] = BigInt(r.ids[t]!)
    })
    return { data, shape: [rows.length, width], eotIndices: rows.map((r) => r.eotIndex) }
  }

  /** simple_tokenizer.decode: symbols -> bytes -> UTF-8 (replacement), `</w>` -> space. */
  decode(ids: readonly number[]): string {
    const symbols = ids.map((id) => {
      const sym = Number.isInteger(id) ? this.decoder[id] : undefined
      if (sym === undefined) throw new Error(`${this.source}: token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`)
      return sym
    })
    return decodeUtf8(byteSymbolsToBytes(symbols.join(''))).replaceAll('</w>', ' ')
  }
}
