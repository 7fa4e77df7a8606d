// photocap caption / embed on the generated tiny pack: the default pack and its
// notice, errors for bad images / packs / flags, JSON lines, and one run as a
// real subprocess (node bin/photocap.js).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../cli/index.ts'
import type { CliIo } from '../../cli/io.ts'
import { TINY_PACK_WARNING } from '../../cli/support.ts'
import { sharedTinyDataDir, writeTestImages } from './test-support.ts'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
let work: string
let images: string[]
let env: NodeJS.ProcessEnv

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd: work, env }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-cli-'))
  images = await writeTestImages(path.join(work, 'photos'))
  env = { PHOTOCAP_DATA_DIR: sharedTinyDataDir() }
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

describe('photocap caption on the tiny default pack', () => {
  it('captions with the default pack and says it is the meaningless tiny pack', async () => {
    const io = captureIo()
    expect(await main(['caption', 'photos/red.png'], io)).toBe(0)
    expect(io.stdout).toHaveLength(1)
    expect(io.stdout[0]!.length).toBeGreaterThan(0)
    // The same sentence as the library commands print (cli/support.ts).
    expect(io.stderr).toContain(`photocap caption: ${TINY_PACK_WARNING}`)
  })

  it('--json gives path, caption and tokens per image; a bad image fails alone', async () => {
    fs.writeFileSync(path.join(work, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]))
    const io = captureIo()
    const code = await main(['caption', '--json', '--decode', 'beam', '--beam-size', '2', 'photos/red.png', 'broken.jpg', 'photos/blue.webp'], io)
    expect(code).toBe(1)
    const rows = io.stdout.map((l) => JSON.parse(l) as { path: string; caption: string; tokens: number[] })
    expect(rows.map((r) => r.path)).toEqual(['photos/red.png', 'photos/blue.webp'])
    for (const r of rows) {
      expect(r.tokens.length).toBeGreaterThan(0)
      expect(r.tokens).not.toContain(13)
      expect(typeof r.caption).toBe('string')
    }
    const errors = io.stderr.filter((l) => l.includes('broken.jpg'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^photocap caption: .*broken\.jpg: /)
  })

  it('--weights int8 (the opt-in fast mode) captions from int8 graphs; an unknown format is a usage error', async () => {
    const io = captureIo()
    expect(await main(['caption', '--json', '--weights', 'int8', 'photos/red.png'], io)).toBe(0)
    const row = JSON.parse(io.stdout[0]!) as { tokens: number[] }
    expect(row.tokens.length).toBeGreaterThan(0)
    const cache = path.join(sharedTinyDataDir(), 'cache', 'compiled')
    const int8 = fs.readdirSync(cache).filter((d) => d.endsWith('-int8'))
    expect(int8).toHaveLength(1)
    expect(fs.readFileSync(path.join(cache, int8[0]!, 'gpt2-decoder.onnx')).includes('MatMulNBits')).toBe(true)
    const bad = captureIo()
    expect(await main(['caption', '--weights', 'fp16', 'photos/red.png'], bad)).toBe(2)
    expect(bad.stderr.join('\n')).toMatch(/--weights: expected float32, int8 or int4, got 'fp16'/)
  })

  it('plain output names each image when several are given; greedy equals the JSON tokens', async () => {
    const a = captureIo()
    expect(await main(['caption', ...images], a)).toBe(0)
    expect(a.stdout.map((l) => l.split('\t')[0])).toEqual(images)
    const b = captureIo()
    expect(await main(['caption', '--json', ...images], b)).toBe(0)
    expect(b.stdout.map((l) => (JSON.parse(l) as { caption: string }).caption)).toEqual(a.stdout.map((l) => l.split('\t')[1]))
  })

  it('a missing or corrupt pack, an unknown flag, a bad value: one-line errors, non-zero exit', async () => {
    const missing = captureIo()
    expect(await main(['caption', '--pack', 'nowhere', images[0]!], missing)).toBe(1)
    expect(missing.stderr).toEqual([`photocap caption: ${path.join(work, 'nowhere')}: model pack folder does not exist`])

    const corrupt = path.join(work, 'corrupt-pack')
    fs.cpSync(path.join(env.PHOTOCAP_DATA_DIR!, 'packs', 'tiny-v1'), corrupt, { recursive: true })
    fs.writeFileSync(path.join(corrupt, 'gpt2', 'model.safetensors'), 'garbage that is not safetensors')
    const bad = captureIo()
    expect(await main(['caption', '--pack', corrupt, images[0]!], bad)).toBe(1)
    expect(bad.stderr.at(-1)).toContain(path.join(corrupt, 'gpt2', 'model.safetensors'))

    fs.rmSync(path.join(corrupt, 'pack.json'))
    const nojson = captureIo()
    expect(await main(['caption', '--pack', corrupt, images[0]!], nojson)).toBe(1)
    expect(nojson.stderr.at(-1)).toMatch(/pack\.json: missing/)

    const flag = captureIo()
    expect(await main(['caption', '--frobnicate', images[0]!], flag)).toBe(2)
    expect(flag.stderr[0]).toMatch(/Unknown option '--frobnicate'/)

    const decode = captureIo()
    expect(await main(['caption', '--decode', 'sample', images[0]!], decode)).toBe(2)
    const prov = captureIo()
    expect(await main(['caption', '--provider', 'tpu', images[0]!], prov)).toBe(2)
    expect(prov.stderr[0]).toMatch(/--provider: expected .*, got 'tpu'/)
  })

  it('an unavailable provider falls back to CPU and says why', async () => {
    const io = captureIo()
    expect(await main(['caption', '--provider', 'cuda', images[0]!], io)).toBe(0)
    expect(io.stderr.join('\n')).toMatch(/provider cuda not used \(.+\); running on cpu/)
  })
})

describe('photocap embed on the tiny default pack', () => {
  it('images and texts, plain and JSON', async () => {
    const io = captureIo()
    expect(await main(['embed', '--json', '--image', ...images], io)).toBe(0)
    const rows = io.stdout.map((l) => JSON.parse(l) as { input: string; embedding: number[] })
    expect(rows.map((r) => r.input)).toEqual(images)
    expect(rows.every((r) => r.embedding.length === 16)).toBe(true)
    const t = captureIo()
    expect(await main(['embed', '--text', 'a dog', 'two cats'], t)).toBe(0)
    expect(t.stdout).toHaveLength(2)
    expect(t.stdout[0]!.split('\t')[0]).toBe('a dog')
    expect(t.stdout[0]!.split('\t')[1]!.split(' ')).toHaveLength(16)
    const both = captureIo()
    expect(await main(['embed', '--text', '--image', 'x'], both)).toBe(2)
  })
})

describe('the real command line', () => {
  it('node bin/photocap.js caption --json runs as a subprocess', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(REPO, 'bin', 'photocap.js'), 'caption', '--json', images[1]!], {
      cwd: work,
      env: { ...process.env, ...env },
    })
    const row = JSON.parse(stdout.trim()) as { path: string; tokens: number[] }
    expect(row.path).toBe(images[1])
    expect(row.tokens.length).toBeGreaterThan(0)
    expect(stderr).toContain(TINY_PACK_WARNING)
  })
})
