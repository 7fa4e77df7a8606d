// A small CLIP-format vocabulary learned from our own text, for the generated
// tiny pack (which must not carry third-party vocabulary files). Layout follows
// simple_tokenizer.py: the 256 byte symbols in bytes_to_unicode order, the same
// 256 with `</w>`, one entry per learned merge, then <|startoftext|>, <|endoftext|>.
// Learning is classic BPE over word counts with deterministic tie-breaking, so
// the same corpus always gives byte-identical files.
import fs from 'node:fs'
import path from 'node:path'
import { BYTE_TO_CHAR, textToByteSymbols } from './byte-unicode.ts'
import { CLIP_EOT, CLIP_PATTERN, CLIP_SOT } from './clip-bpe.ts'
import { cleanClipText } from './clip-clean.ts'

/** The byte symbols in the order of bytes_to_unicode's dict (printable bytes first). */
export function byteSymbolsInVocabOrder(): string[] {
  const printable: number[] = []
  const rest: number[] = []
  for (let b = 0; b < 256; b++) {
    const p = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)
    ;(p ? printable : rest).push(b)
  }
  return [...printable, ...rest].map((b) => BYTE_TO_CHAR[b]!)
}

export interface GeneratedClipVocab {
  /** vocab.json text (HF layout: token -> id) */
  vocabJson: string
  /** merges.txt text (`#version: 0.2` header, one merge per line) */
  mergesTxt: string
  vocabSize: number
  merges: [string, string][]
}

/** Learn up to `numMerges` merges from `corpus` (texts cleaned like CLIP's tokenizer). */
export function generateClipVocab(corpus: readonly string[], numMerges: number): GeneratedClipVocab {
  if (!Number.isInteger(numMerges) || numMerges < 0) throw new Error(`generateClipVocab: numMerges must be a non-negative integer, got ${numMerges}`)
  // word (as symbol list) -> count
  const counts = new Map<string, number>()
  for (const text of corpus) {
    for (const chunk of cleanClipText(text).match(CLIP_PATTERN) ?? []) {
      if (chunk === CLIP_SOT || chunk === CLIP_EOT) continue
      const syms = [...textToByteSymbols(chunk)]
      syms[syms.length - 1] += '</w>'
      const key = syms.join(' ')
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  let words = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => ({ syms: k.split(' '), n }))
  const merges: [string, string][] = []
  while (merges.length < numMerges) {
    const pairs = new Map<string, number>()
    for (const w of words) {
      for (let i = 0; i < w.syms.length - 1; i++) {
        const key = `${w.syms[i]} ${w.syms[i + 1]}`
        pairs.set(key, (pairs.get(key) ?? 0) + w.n)
      }
    }
    let best = ''
    let bestCount = 0
    for (const [key, n] of pairs) {
      // most frequent; ties broken by the smaller key (code-unit order) for determinism
      if (n > bestCount || (n === bestCount && key < best)) {
        best = key
        bestCount = n
      }
    }
    if (bestCount === 0) break
    const [a, b] = best.split(' ') as [string, string]
    merges.push([a, b])
    words = words.map((w) => {
      const out: string[] = []
      for (let i = 0; i < w.syms.length;) {
        if (i < w.syms.length - 1 && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b)
          i += 2
        } else {
          out.push(w.syms[i]!)
          i += 1
        }
      }
      return { syms: out, n: w.n }
    })
  }
  const bytes = byteSymbolsInVocabOrder()
  const tokens = [...bytes, ...bytes.map((s) => `${s}</w>`), ...merges.map(([a, b]) => a + b), CLIP_SOT, CLIP_EOT]
  const encoder: Record<string, number> = {}
  tokens.forEach((t) => {
    // A merge can recreate an existing symbol only if the corpus repeats one; keep the first id.
    if (!(t in encoder)) encoder[t] = Object.keys(encoder).length
  })
  return {
    vocabJson: JSON.stringify(encoder),
    mergesTxt: `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`,
    vocabSize: Object.keys(encoder).length,
    merges,
  }
}

/** Write vocab.json + merges.txt into `dir` (a pack's clip/ folder). */
export function writeClipVocab(dir: string, vocab: GeneratedClipVocab): void {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'vocab.json'), vocab.vocabJson)
  fs.writeFileSync(path.join(dir, 'merges.txt'), vocab.mergesTxt)
}
