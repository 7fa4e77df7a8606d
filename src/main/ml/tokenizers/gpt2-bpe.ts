// GPT-2 byte-level BPE, exactly as openai/gpt-2 `encoder.py`:
// pre-tokenise with the GPT-2 pattern, map each chunk's UTF-8 bytes to symbols,
// merge by rank, look the symbols up. Decoding maps symbols back to bytes and
// decodes UTF-8 with replacement.
import { BYTE_TO_CHAR, byteSymbolsToBytes, decodeUtf8, textToByteSymbols } from './byte-unicode.ts'
import { BpeCache, bpeMerge, buildMergeRanks, type MergeRanks } from './bpe.ts'

export const GPT2_EOS_ID = 50256

// [Note: Python whitespace in the pre-tokeniser]
// encoder.py uses the `regex` module, whose \s is Unicode White_Space: it contains
// U+0085 and not U+FEFF; JavaScript's \s is the opposite. \p{White_Space} gives
// Python's behaviour.
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu

export interface Gpt2Vocab {
  /** token symbol string -> id (encoder.json / vocab.json) */
  encoder: Record<string, number>
  /** merges in rank order */
  merges: [string, string][]
}

export class Gpt2Tokenizer {
  readonly vocabSize: number
  private readonly encoder: Map<string, number>
  private readonly decoder: string[]
  private readonly ranks: MergeRanks
  private readonly cache = new BpeCache()

  constructor(
    vocab: Gpt2Vocab,
    readonly source = 'GPT-2 vocabulary',
  ) {
    this.encoder = new Map(Object.entries(vocab.encoder))
    this.decoder = []
    for (const [sym, id] of this.encoder) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${source}: token ${JSON.stringify(sym)} has invalid id ${id}`)
      this.decoder[id] = sym
    }
    this.vocabSize = this.decoder.length
    this.ranks = buildMergeRanks(vocab.merges)
  }

  /** The pre-tokenised chunks of `text` (encoder.py's regex findall). */
  pretokenize(text: string): string[] {
    return text.match(GPT2_PATTERN) ?? []
  }

  /** BPE symbols of one chunk. */
  bpe(chunk: string): string[] {
    const symbols = textToByteSymbols(chunk)
    const hit = this.cache.get(symbols)
    if (hit) return hit
    const pieces = bpeMerge([...symbols], this.ranks)
    this.cache.set(symbols, pieces)
    return pieces
  }

  /** Every BPE piece of `text`, in order (the symbols, not ids). */
  pieces(text: string): string[] {
    return this.pretokenize(text).flatMap((chunk) => this.bpe(chunk))
  }

  encode(text: string): number[] {
    const ids: number[] = []
    for (const piece of this.pieces(text)) {
      const id = this.encoder.get(piece)
      if (id === undefined) throw new Error(`${this.source}: BPE piece ${JSON.stringify(piece)} has no id (vocabulary and merges do not belong together)`)
      ids.push(id)
    }
    return ids
  }

  /** The raw bytes one token stands for (streaming decoders join these). */
  tokenBytes(id: number): Uint8Array {
    return byteSymbolsToBytes(this.symbol(id))
  }

  /** Bytes of a token sequence. */
  decodeBytes(ids: readonly number[]): Uint8Array {
    return byteSymbolsToBytes(ids.map((id) => this.symbol(id)).join(''))
  }

  /** encoder.py decode; with `hfCleanup` also HF's clean_up_tokenization_spaces. */
  decode(ids: readonly number[], options: { hfCleanup?: boolean } = {}): string {
    const text = decodeUtf8(this.decodeBytes(ids))
    return options.hfCleanup ? cleanUpTokenizationSpaces(text) : text
  }

  symbol(id: number): string {
    const sym = Number.isInteger(id) ? this.decoder[id] : undefined
    if (sym === undefined) throw new Error(`${this.source}: token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`)
    return sym
  }
}

/** transformers 4.10's `clean_up_tokenization` replacements, in its order. */
export function cleanUpTokenizationSpaces(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re")
}

/** The caption as a user wants to read it: trimmed, first letter capitalised. */
export function formatCaption(text: string): string {
  const trimmed = text.trim()
  const first = trimmed.codePointAt(0)
  if (first === undefined) return ''
  const head = String.fromCodePoint(first)
  return head.toUpperCase() + trimmed.slice(head.length)
}

// Keep the symbol table visible to tests that check the byte mapping.
export { BYTE_TO_CHAR }
