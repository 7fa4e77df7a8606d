// Loading a CLIP vocabulary from a pack's clip/ folder (Hugging Face layout:
// vocab.json + merges.txt).
import fs from 'node:fs'
import path from 'node:path'
import { parseMerges } from './bpe.ts'
import { ClipTokenizer, type ClipVocab } from './clip-bpe.ts'
import { fileIdentity } from './file-identity.ts'

export function readClipVocab(vocabFile: string, mergesFile: string): ClipVocab {
  let vocabText: string
  let mergesText: string
  try {
    vocabText = fs.readFileSync(vocabFile, 'utf8')
  } catch (error) {
    throw new Error(`${vocabFile}: cannot read CLIP vocabulary (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  try {
    mergesText = fs.readFileSync(mergesFile, 'utf8')
  } catch (error) {
    throw new Error(`${mergesFile}: cannot read CLIP merges (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  let encoder: unknown
  try {
    encoder = JSON.parse(vocabText)
  } catch (error) {
    throw new Error(`${vocabFile}: CLIP vocabulary is not valid JSON (${(error as Error).message})`)
  }
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder))
    throw new Error(`${vocabFile}: CLIP vocabulary must be a JSON object of token -> id`)
  return { encoder: encoder as Record<string, number>, merges: parseMerges(mergesText, mergesFile) }
}

const cache = new Map<string, ClipTokenizer>()

/** The tokenizer of a pack's clip/ folder, loaded once per folder. */
export function loadClipTokenizer(clipDir: string): ClipTokenizer {
  const vocab = path.join(clipDir, 'vocab.json')
  const merges = path.join(clipDir, 'merges.txt')
  const key = fileIdentity(vocab, merges)
  let tok = cache.get(key)
  if (!tok) {
    tok = new ClipTokenizer(readClipVocab(vocab, merges), vocab)
    cache.set(key, tok)
  }
  return tok
}
