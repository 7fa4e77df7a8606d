// Manifest file paths that would leave the pack folder on any platform are
// refused, on every platform: the check is textual first and then resolved
// under both path.posix and path.win32, so a Linux run refuses what would
// escape on Windows.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseManifest } from './manifest.ts'
import { packPathProblem, resolveInPack } from './pack-path.ts'

const ESCAPES = [
  '../pack.json',
  'clip/../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\system.ini',
  'C:/Windows/system.ini',
  'C:evil.dll',
  '\\\\server\\share\\x',
  '..\\..\\x',
  'clip\\..\\..\\x',
  'clip/..',
  '..',
  '.',
  '',
  'clip//model.bin',
  'clip/./model.bin',
  'clip/.. /x',
  'clip/model.bin.',
  'clip/model.bin ',
  'nul',
  'clip/CON.txt',
  'clip/model.bin:stream',
  'clip/a\u0000b',
  'clip/a?b',
]
const INSIDE = ['pack.json', 'clip/model.safetensors', 'mapping/coco_weights.pt', 'gpt2/vocab.json', 'a/b/c/.hidden', 'clip/model..safetensors']

describe('pack file paths', () => {
  it.each(ESCAPES)('refuses %j', (rel) => {
    expect(packPathProblem(rel)).not.toBeNull()
    expect(() => resolveInPack('/tmp/pack', rel, 'test')).toThrow(/is refused/)
  })

  it.each(INSIDE)('accepts %j, which stays inside under POSIX and Windows paths', (rel) => {
    expect(packPathProblem(rel)).toBeNull()
    for (const [flavour, root] of [
      [path.posix, '/data/models/x'],
      [path.win32, 'C:\\Users\\me\\AppData\\Roaming\\Photocap\\models\\x'],
    ] as const) {
      const rel2 = flavour.relative(root, flavour.resolve(root, rel))
      expect(rel2.startsWith('..') || flavour.isAbsolute(rel2), `${rel} under ${flavour === path.posix ? 'posix' : 'win32'}`).toBe(false)
    }
    expect(resolveInPack('/tmp/pack', rel, 'test').startsWith(path.resolve('/tmp/pack') + path.sep)).toBe(true)
  })

  it('the escapes that only Windows sees really escape there (path.win32), which is why they are refused everywhere', () => {
    const root = 'C:\\pack'
    for (const rel of ['..\\..\\x', 'clip\\..\\..\\x', 'C:\\Windows\\system.ini', 'C:/Windows/system.ini', '\\\\server\\share\\x']) {
      const inside = path.win32.relative(root, path.win32.resolve(root, rel))
      expect(inside.startsWith('..') || path.win32.isAbsolute(inside), rel).toBe(true)
      // ...while POSIX reads them as one harmless file name.
      expect(path.posix.resolve('/pack', rel).startsWith('/pack/'), rel).toBe(true)
    }
  })

  it('a manifest naming such a path (also as a fallback) does not load, and names the path', () => {
    const file = (p: string) => ({ path: p, urls: ['https://huggingface.co/a/b/resolve/' + 'a'.repeat(40) + '/x'], size: 1, sha256: 'a'.repeat(64) })
    expect(() => parseManifest({ name: 'x', description: '', files: [file('..\\..\\evil.dll')] }, 'm.json')).toThrow(
      /m\.json: invalid pack manifest \(files\.0\.path: file path "\.\.\\\\\.\.\\\\evil\.dll" is refused: it contains a backslash/,
    )
    expect(() => parseManifest({ name: 'x', description: '', files: [{ ...file('clip/model.safetensors'), fallback: file('../x.bin') }] }, 'm.json')).toThrow(
      /files\.0\.fallback\.path: file path "\.\.\/x\.bin" is refused: it goes up/,
    )
    expect(() => parseManifest({ name: 'x', description: '', files: [file('a'), file('a')] }, 'm.json')).toThrow(/file path "a" appears twice/)
  })
})
