import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ClipTokenizer } from './clip-bpe.ts'
import { cleanClipText } from './clip-clean.ts'
import { fixEncoding, fixText, isBad } from './ftfy.ts'
import { loadClipTokenizer, readClipVocab } from './clip-vocab-files.ts'
import { generateClipVocab, writeClipVocab } from './clip-vocab-gen.ts'
import { htmlUnescape } from './html-unescape.ts'

interface ClipCase {
  text: string
  tags: string[]
  cleaned: string
  ids: number[]
  bpe_pieces: string[]
  padded_77: number[]
  eot_index: number
  exceeds_context: boolean
  tokenize_without_truncate_raises: boolean
  decoded: string
  ftfy_changes_text: boolean
  ids_if_ftfy_skipped?: number[]
  cleaned_if_ftfy_skipped?: string
}

const fixtures = path.resolve(import.meta.dirname, '../../../../test/fixtures/tokenizers')
const golden = JSON.parse(fs.readFileSync(path.join(fixtures, 'clip_bpe_cases.json'), 'utf8')) as { sot: number; eot: number; cases: ClipCase[] }

// The real CLIP vocabulary is third-party: read it from the shared reference folder, never commit it.
const realClipDir = path.resolve(import.meta.dirname, '../../../../../shared/reference/packs/mlp/clip')
const haveReal = fs.existsSync(path.join(realClipDir, 'vocab.json')) && fs.existsSync(path.join(realClipDir, 'merges.txt'))
const skipReason = 'skipped: the real CLIP vocabulary (../shared/reference/packs/mlp/clip/{vocab.json,merges.txt}) is absent'

describe('CLIP text cleaning (no vocabulary needed)', () => {
  for (const [i, c] of golden.cases.entries()) {
    it(`case ${i} [${c.tags.join(',')}] cleans like ftfy + html.unescape x2 + whitespace + lower`, () => {
      expect(cleanClipText(c.text)).toBe(c.cleaned)
      if (c.cleaned_if_ftfy_skipped !== undefined) expect(cleanClipText(c.text, { ftfy: false })).toBe(c.cleaned_if_ftfy_skipped)
      else expect(cleanClipText(c.text, { ftfy: false })).toBe(c.cleaned)
    })
  }

  it('applies each ftfy fix', () => {
    expect(fixText('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd')
    expect(fixText('wait\u0085 \u0093hi\u0094')).toBe('wait… "hi"')
    expect(fixText('x\u0000y\u0007z\ufeff\u200bw')).toBe('xyz\u200bw')
    expect(fixText('\ufb03ce \u0133')).toBe('ffice ij')
    expect(fixText('e\u0301')).toBe('\u00e9')
    // width: the whole U+FF01..U+FFEF block (halfwidth katakana, ￥) and U+3000
    expect(fixText('\uff21\uff11\u3000\uff01')).toBe('A1 !')
    expect(fixText('\uff8a\uff9d\uff76\uff78 \uffe5 \uffe8')).toBe('ハンカク ¥ │')
    // other compatibility forms are left alone (ftfy does not NFKC them)
    expect(fixText('\u00bd \u00b2')).toBe('\u00bd \u00b2')
  })

  it('uncurls quotes and the modifier apostrophe U+02BC (so also ŉ), but not primes', () => {
    expect(fixText('\u2018a\u2019 \u201cb\u201d \u201ac\u201b \u201ed\u201f')).toBe('\'a\' "b" \'c\' "d"')
    expect(fixText('Hawai\u02bci \u0149')).toBe("Hawai'i 'n")
    // U+2032/U+2033 PRIME and DOUBLE PRIME are not quotes: 5′ 6″ stays
    expect(fixText('5\u2032 6\u2033')).toBe('5\u2032 6\u2033')
  })

  it('removes ANSI escape sequences whole', () => {
    expect(fixText('\x1b[31mred\x1b[0m and \x1b[1;4mbold\x1b[m')).toBe('red and bold')
    // a lone ESC is only a control character
    expect(fixText('a\x1bb')).toBe('ab')
  })

  it("repairs mojibake where ftfy's badness rules see it, and leaves alone what they do not", () => {
    expect(fixText('caf\u00c3\u00a9')).toBe('café')
    expect(fixText('doesn\u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2t')).toBe("doesn't")
    expect(fixText('\u00d0\u00bf\u00d1\u0080\u00d0\u00b8')).toBe('при')
    expect(fixText('smile \u00f0\u0178\u02dc\u20ac')).toBe('smile 😀')
    // a space that was once U+00A0 (à, then a Windows-1252 program)
    expect(fixText('\u00c3 la carte')).toBe('à la carte')
    expect(fixText('FR\u00c3\u201c\u2122')).toBe('FRÓ™')
    // plausible text is not "repaired"
    expect(fixText('D\u00c3\u2019.')).toBe("DÃ'.")
    expect(fixText('café déjà vu Ñandú São')).toBe('café déjà vu Ñandú São')
    expect(fixText('\u201eGru\u00df\u201c')).toBe('"Gruß"')
    expect(isBad('caf\u00c3\u00a9')).toBe(true)
    expect(isBad('café')).toBe(false)
    // inconsistent text: only the run that looks like UTF-8 is decoded
    expect(fixEncoding('Japanese: \u00e6\u2014\u00a5\u00e6\u0153\u00ac and ¿qué?')).toBe('Japanese: 日本 and ¿qué?')
  })

  it('unescapes HTML like Python (named, legacy without ;, numeric, invalid numbers)', () => {
    expect(htmlUnescape('&amp; &lt;&gt; &quot;&#39;&#x27; &eacute; &hellip; &amp;amp;')).toBe("& <> \"'' é … &amp;")
    expect(htmlUnescape('&ampx &notit; &hellip &bogus;')).toBe('&x ¬it; &hellip &bogus;')
    expect(htmlUnescape('&#0; &#x80; &#1; &#xD800; &#1114112; &#65 &#x1F600;')).toBe('\ufffd €  \ufffd \ufffd A 😀')
    // twice, as CLIP does
    expect(cleanClipText('&amp;lt;b&amp;gt;')).toBe('<b>')
  })

  it("ftfy's own entity pass: skipped when the text has '<', upper-case names of lower-case entities", () => {
    expect(fixText('&EACUTE;t&eacute;')).toBe('Été')
    expect(fixText('<b>&EACUTE;')).toBe('<b>&EACUTE;')
  })
})

describe.skipIf(!haveReal)(`CLIP BPE with the real vocabulary (${haveReal ? 'present' : skipReason})`, () => {
  const tok = haveReal ? loadClipTokenizer(realClipDir) : (undefined as unknown as ClipTokenizer)

  it('has 49408 ids with SOT/EOT at the end', () => {
    expect(tok.vocabSize).toBe(49408)
    expect([tok.sot, tok.eot]).toEqual([golden.sot, golden.eot])
  })

  for (const [i, c] of golden.cases.entries()) {
    it(`case ${i} [${c.tags.join(',')}] ${JSON.stringify(c.text.slice(0, 40))}`, () => {
      expect(tok.pieces(c.text)).toEqual(c.bpe_pieces)
      expect(tok.encode(c.text)).toEqual(c.ids)
      if (c.ids_if_ftfy_skipped) expect(tok.encode(c.text, { ftfy: false })).toEqual(c.ids_if_ftfy_skipped)
      expect(tok.decode(c.ids)).toBe(c.decoded)
      if (c.tokenize_without_truncate_raises) {
        expect(() => tok.tokenize(c.text)).toThrow(/too long for context length 77/)
        const t = tok.tokenize(c.text, { truncate: true })
        expect(t.ids).toEqual(c.padded_77)
        expect(t.eotIndex).toBe(c.eot_index)
      } else {
        const t = tok.tokenize(c.text)
        expect(t.ids).toEqual(c.padded_77)
        expect(t.eotIndex).toBe(c.eot_index)
      }
    })
  }

  it('drops U+0345 between chunks, as Python regex does (JavaScript /iu would read it as a letter)', () => {
    expect(tok.pretokenize('x\u0345x')).toEqual(['x', 'x'])
    expect(tok.pretokenize('.\u0345.')).toEqual(['.', '.'])
  })

  it('batches to int64 [B,T], trimmed after the last EOT of the batch', () => {
    const b = tok.tokenizeBatch(['a photo of a cat', 'a dog'], { trim: true })
    expect(b.shape).toEqual([2, 7])
    expect(b.eotIndices).toEqual([6, 3])
    expect(Array.from(b.data.slice(7), Number)).toEqual([49406, 320, tok.encode('dog')[0]!, 49407, 0, 0, 0])
    expect(tok.tokenizeBatch(['a']).shape).toEqual([1, 77])
  })
})

describe('generated CLIP vocabulary (for the tiny pack)', () => {
  const corpus = [
    'A man riding a horse on the beach.',
    'A couple of people standing next to an elephant.',
    'a photo of a cat',
    'Two dogs playing in the snow, 2021.',
    'A red bus parked on the street.',
  ]

  it('is deterministic and laid out like CLIP (bytes, bytes</w>, merges, SOT, EOT)', () => {
    const a = generateClipVocab(corpus, 60)
    const b = generateClipVocab([...corpus], 60)
    expect(a.vocabJson).toBe(b.vocabJson)
    expect(a.mergesTxt).toBe(b.mergesTxt)
    expect(a.merges.length).toBe(60)
    const enc = JSON.parse(a.vocabJson) as Record<string, number>
    expect(enc['!']).toBe(0)
    expect(enc['!</w>']).toBe(256)
    expect(enc['<|startoftext|>']).toBe(a.vocabSize - 2)
    expect(enc['<|endoftext|>']).toBe(a.vocabSize - 1)
    expect(a.vocabSize).toBe(512 + 60 + 2)
    expect(a.mergesTxt.split('\n')[0]).toBe('#version: 0.2')
  })

  it('round-trips text through files written to a clip/ folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-vocab-'))
    writeClipVocab(dir, generateClipVocab(corpus, 80))
    const tok = new ClipTokenizer(readClipVocab(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt')))
    for (const text of [...corpus, 'Zebra crossing: ünïcødé 日本 😀 &amp; 42']) {
      const ids = tok.encode(text)
      expect(tok.decode(ids).replaceAll(' ', '')).toBe(cleanClipText(text).replaceAll(' ', ''))
      const t = tok.tokenize(text)
      expect(t.ids[0]).toBe(tok.sot)
      expect(t.ids[t.eotIndex]).toBe(tok.eot)
      expect(t.eotIndex).toBe(ids.length + 1)
    }
    // learned merges are used: a frequent corpus word is a single token
    expect(tok.encode('a')).toHaveLength(1)
    expect(tok.pieces('a horse on the beach').length).toBeLessThan('ahorseonthebeach'.length)
    fs.rmSync(dir, { recursive: true })
  })

  it('stops early when the corpus has no pairs left, and rejects a bad merge count', () => {
    expect(generateClipVocab(['ab'], 100).merges).toEqual([['a', 'b</w>']])
    expect(() => generateClipVocab(corpus, -1)).toThrow(/numMerges must be a non-negative integer/)
  })
})

describe('loading a clip/ folder', () => {
  it('re-reads a folder whose files changed, and names a missing file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-reload-'))
    writeClipVocab(dir, generateClipVocab(['aaa bbb'], 1))
    const first = loadClipTokenizer(dir)
    expect(loadClipTokenizer(dir)).toBe(first)
    writeClipVocab(dir, generateClipVocab(['aaa bbb ccc ddd'], 3))
    const later = new Date(Date.now() + 5000)
    fs.utimesSync(path.join(dir, 'vocab.json'), later, later)
    const second = loadClipTokenizer(dir)
    expect(second).not.toBe(first)
    expect(second.vocabSize).toBe(512 + 3 + 2)
    fs.rmSync(path.join(dir, 'merges.txt'))
    expect(() => loadClipTokenizer(dir)).toThrow(/merges\.txt: cannot read CLIP merges \(ENOENT\)/)
    fs.rmSync(dir, { recursive: true })
  })
})
