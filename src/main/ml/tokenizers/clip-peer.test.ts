// The CLIP tokenizer held to OpenAI's own (clip/simple_tokenizer.py with ftfy
// 6.3.1 and Python `regex`) on every case of
// ../shared/reference/golden/tokenizers/clip_peer/cases.json: documentation lines of
// this machine and hard cases (halfwidth forms, mojibake, ANSI escapes, quotes and
// primes, combining marks, lone surrogates). The cases are third-party text, so
// they are read from ../shared and never copied here; without that folder the test
// skips, saying so. Strings with characters newer than Python 3.11's Unicode 14.0
// tables may legitimately differ: they are listed, not counted.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadClipTokenizer } from './clip-vocab-files.ts'
import { isNewerThanUnicode14 } from './testing/newer-than-unicode-14.ts'

const SHARED = path.resolve(import.meta.dirname, '../../../../../shared/reference')
const CASES = path.join(SHARED, 'golden', 'tokenizers', 'clip_peer', 'cases.json')
const VOCAB_DIR = path.join(SHARED, 'packs', 'mlp', 'clip')
const present = fs.existsSync(CASES) && fs.existsSync(path.join(VOCAB_DIR, 'vocab.json'))
if (!present)
  console.warn(
    `skipping the CLIP tokenizer peer cases: ${CASES} or the CLIP vocabulary in ${VOCAB_DIR} is absent (third-party text, not part of the repository)`,
  )

interface PeerCase {
  src: string
  text: string
  /** ids without start/end tokens, or "ERR ..." when the reference raised */
  ids: number[] | string
}

describe.skipIf(!present)('CLIP tokenizer vs OpenAI simple_tokenizer + ftfy 6.3.1 (clip_peer)', () => {
  it('gives the reference ids on every case (strings with characters newer than Unicode 14.0 listed, not counted)', () => {
    const { cases } = JSON.parse(fs.readFileSync(CASES, 'utf8')) as { cases: PeerCase[] }
    const tok = loadClipTokenizer(VOCAB_DIR)
    expect(cases.length).toBeGreaterThan(20000)
    const failures: string[] = []
    const newer: string[] = []
    for (const c of cases) {
      let got: number[] | string
      try {
        got = tok.encode(c.text)
      } catch (error) {
        got = `ERR ${(error as Error).message}`
      }
      const same = typeof c.ids === 'string' ? typeof got === 'string' : JSON.stringify(got) === JSON.stringify(c.ids)
      if (same) continue
      const line = `[${c.src}] ${JSON.stringify(c.text).slice(0, 120)}: expected ${JSON.stringify(c.ids).slice(0, 80)}, got ${JSON.stringify(got).slice(0, 80)}`
      if ([...c.text].some((ch) => isNewerThanUnicode14(ch.codePointAt(0)!))) newer.push(line)
      else failures.push(line)
    }
    if (newer.length) console.info(`${newer.length} case(s) differ only where they hold characters newer than Unicode 14.0 (not counted):\n${newer.join('\n')}`)
    expect(failures.slice(0, 20), `${failures.length} of ${cases.length} cases differ`).toEqual([])
  })
})
