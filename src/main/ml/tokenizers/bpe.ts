// The BPE merge loop shared by GPT-2 and CLIP (encoder.py / simple_tokenizer.py
// `bpe`): repeatedly take the adjacent pair with the lowest merge rank and merge
// all its non-overlapping occurrences left to right, until no ranked pair is left.

/** Merge ranks keyed by `first + ' ' + second` (a symbol never contains a space). */
export type MergeRanks = Map<string, number>

export function buildMergeRanks(merges: readonly (readonly [string, string])[]): MergeRanks {
  const ranks: MergeRanks = new Map()
  merges.forEach(([a, b], i) => {
    const key = `${a} ${b}`
    if (!ranks.has(key)) ranks.set(key, i)
  })
  return ranks
}

/** Apply the merges to an initial symbol sequence; returns the final symbols. */
export function bpeMerge(symbols: string[], ranks: MergeRanks): string[] {
  let word = symbols
  while (word.length > 1) {
    let bestRank = Infinity
    let first = ''
    let second = ''
    for (let i = 0; i < word.length - 1; i++) {
      const r = ranks.get(`${word[i]} ${word[i + 1]}`)
      if (r !== undefined && r < bestRank) {
        bestRank = r
        first = word[i]!
        second = word[i + 1]!
      }
    }
    if (bestRank === Infinity) break
    const merged: string[] = []
    for (let i = 0; i < word.length;) {
      if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
        merged.push(first + second)
        i += 2
      } else {
        merged.push(word[i]!)
        i += 1
      }
    }
    word = merged
  }
  return word
}

/** Parse a merges file (`#version` header line, then `a b` per line, rank = line order). */
export function parseMerges(text: string, source: string, limit?: number): [string, string][] {
  const lines = text.split('\n')
  const out: [string, string][] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '')
    if (i === 0 && line.startsWith('#version')) continue
    if (line === '') continue
    if (limit !== undefined && out.length >= limit) break
    const parts = line.split(' ')
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
      throw new Error(`${source}: line ${i + 1} is not a merge ("a b"): ${JSON.stringify(line.slice(0, 40))}`)
    out.push([parts[0]!, parts[1]!])
  }
  return out
}

/** A small bounded memo for per-chunk BPE results (captions repeat words a lot). */
export class BpeCache {
  private map = new Map<string, string[]>()
  constructor(private readonly max = 20000) {}
  get(key: string): string[] | undefined {
    return this.map.get(key)
  }
  set(key: string, value: string[]): void {
    if (this.map.size >= this.max) this.map.clear()
    this.map.set(key, value)
  }
}
