// Every document the code cites exists in the repository. Comments point at
// docs/….md, README.md or docs/ARCHITECTURE.md (with a #section when they
// name one); a citation of a design document that is not here (a SPEC or a
// CONTRACTS file, "SPEC §7", "STYLE habit 3") would leave the reader without
// the reason it stood for, so it fails. The shared reference folder outside the
// repository (../shared/reference/…, read by tests that skip without it) is
// named by its path and is not a document of the repository.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')
/** Where code lives (the renderer included); fixtures are data, not citations. */
const scanned = ['src', 'e2e', 'bench', 'test', 'scripts', 'bin', '.ci']
const skipDirs = new Set(['node_modules', 'fixtures', 'out', 'dist'])
const codeFile = /\.(ts|js|mjs|cjs|svelte|py|sh|sql)$|^run$/

function* walk(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (!skipDirs.has(e.name)) yield* walk(p)
    } else if (codeFile.test(e.name)) yield p
  }
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8')
  return new Set(
    [...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  )
}

export interface DanglingReference {
  file: string
  line: number
  cited: string
  why: string
}

/** The citations in `files` (paths relative to `base`) that name a document or section that is not there. */
export function danglingReferences(base: string, files: string[]): DanglingReference[] {
  const out: DanglingReference[] = []
  for (const abs of files) {
    const rel = path.relative(base, abs)
    if (path.resolve(abs) === path.resolve(import.meta.filename)) continue // this file names the patterns it refuses
    const source = fs.readFileSync(abs, 'utf8')
    // A file that names a shared reference document by its path may then name it by its file name alone.
    const shared = new Set([...source.matchAll(/\.\.\/[\w./-]*shared\/[\w./-]*?([\w-]+\.md)/g)].map((m) => m[1]))
    source.split('\n').forEach((text, i) => {
      const at = (cited: string, why: string): void => void out.push({ file: rel, line: i + 1, cited, why })
      for (const m of text.matchAll(/SPEC §\d+(?:\.\d+)*|STYLE(?:\.md)? habit \d+|ARCHITECTURE\.md §\d*|CONTRACTS\.md/g))
        at(m[0], 'a section of a document the repository does not have')
      for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)*[\w./-]*?)([\w-]+\.md)(#[\w-]+)?/g)) {
        const [cited, dir = '', name = '', anchor] = m
        if (dir.startsWith('../') && dir.includes('shared/')) continue // the shared reference folder, outside the repository
        if (dir === '' && shared.has(name)) continue
        if (/['"`]/.test(text[m.index - 1] ?? '')) continue // a file name in code (a path a test builds), not a citation
        const candidates = [path.join(base, dir, name), path.join(path.dirname(abs), dir, name), path.join(base, 'docs', dir, name)]
        const doc = candidates.find((c) => fs.existsSync(c))
        if (!doc) at(cited, 'no such document')
        else if (anchor && !anchors(doc).has(anchor.slice(1))) at(cited, `no section ${anchor} in ${path.relative(base, doc)}`)
      }
    })
  }
  return out
}

describe('documents cited by the code', () => {
  it('all exist in the repository, with the sections they name', () => {
    const files = scanned.flatMap((d) => [...walk(path.join(root, d))])
    files.push(
      ...fs
        .readdirSync(root)
        .filter((f) => /\.(ts|js)$/.test(f))
        .map((f) => path.join(root, f)),
    )
    expect(files.length).toBeGreaterThan(100)
    expect(danglingReferences(root, files)).toEqual([])
  })

  it('a planted citation of a missing document, a missing section or a SPEC section is found', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-refs-'))
    try {
      fs.mkdirSync(path.join(dir, 'docs'))
      fs.writeFileSync(path.join(dir, 'README.md'), '# Photocap\n\n## Running the tests\n')
      fs.writeFileSync(path.join(dir, 'docs', 'ARCHITECTURE.md'), '# Architecture\n\n## Layers and what each may import\n')
      const planted = path.join(dir, 'planted.ts')
      fs.writeFileSync(
        planted,
        [
          '// See docs/ARCHITECTURE.md#layers-and-what-each-may-import and README.md#running-the-tests.',
          '// The rule is in docs/NOT-THERE.md.',
          '// As README.md#no-such-section says.',
          '// The decoder of SPEC §7.2.',
          '// The golden files live in ../shared/reference/SPEC.md (outside the repository), so SPEC.md is that one here.',
          "const readme = path.join(dir, 'NOT-A-CITATION.md')",
        ].join('\n'),
      )
      expect(danglingReferences(dir, [planted]).map((d) => [d.line, d.cited])).toEqual([
        [2, 'docs/NOT-THERE.md'],
        [3, 'README.md#no-such-section'],
        [4, 'SPEC §7.2'],
      ])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
