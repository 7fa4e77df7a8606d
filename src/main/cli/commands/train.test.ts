import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../engine/db/database.ts'
import { providerEnvironment } from '../../ml/runtime/session.ts'
import { readSafetensors } from '../../ml/weights/safetensors.ts'
import { main } from '../index.ts'
import { captureIo } from '../../../../test/helpers/cli-io.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const FIX = path.join(ROOT, 'test/fixtures/train')

const io = (cwd: string) => captureIo(cwd)

describe('photocap train (command line)', () => {
  it('rejects bad usage with exit code 2 and a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--data', 'x.jsonl', '--out', 'o'], /--pack DIR is required/],
      [['train', '--data', 'x.jsonl', '--pack', 'p'], /--out DIR is required/],
      [['train', '--pack', 'p', '--out', 'o'], /exactly one of --db FILE or --data DATASET/],
      [['train', '--data', 'x', '--db', 'y', '--pack', 'p', '--out', 'o'], /exactly one of/],
      [['train', '--data', 'x', '--pack', 'p', '--out', 'o', '--mapping', 'lstm'], /--mapping: expected mlp or transformer, got 'lstm'/],
      [['train', '--data', 'x', '--pack', 'p', '--out', 'o', '--lr', 'fast'], /--lr: expected a number of at least 0, got 'fast'/],
      [['train', '--data', 'x', '--pack', 'p', '--out', 'o', '--steps', '2.5'], /--steps: expected an integer of at least 1, got '2.5'/],
      [['train', '--data', 'x', '--pack', 'p', '--out', 'o', '--bogus'], /Unknown option '--bogus'/],
      [['train', '--data', 'x', '--pack', 'p', '--out', 'o', '--provider', 'tpu'], /--provider: expected auto, cpu, cuda, dml, coreml or webgpu, got 'tpu'/],
    ]
    for (const [args, re] of cases) {
      const c = io(FIX)
      expect(await main(args, c.io), args.join(' ')).toBe(2)
      expect(c.err.join('\n')).toMatch(re)
    }
  })

  it('names the problem with a bad dataset line or too little data (exit 1)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-cli-'))
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"embedding":[1,2],"caption":"a"}\n{"caption":"b"}\n')
    let c = io(dir)
    expect(await main(['train', '--data', 'bad.jsonl', '--pack', path.join(FIX, 'packs/mlp'), '--out', 'o'], c.io)).toBe(1)
    expect(c.err.join('\n')).toMatch(/bad\.jsonl:2: needs "embedding"/)
    c = io(FIX)
    expect(await main(['train', '--data', 'dataset.jsonl', '--pack', 'packs/mlp', '--out', path.join(dir, 'o'), '--batch-size', '16'], c.io)).toBe(1)
    expect(c.err.join('\n')).toMatch(/too little data: 15 captions cannot fill one batch of 16/)
  })

  it('trains from a library database (--db): stored embeddings + user captions only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-cli-db-'))
    const dbFile = path.join(dir, 'library.db')
    const db = openDatabase(dbFile)
    const lines = fs
      .readFileSync(path.join(FIX, 'dataset.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { embedding: number[]; caption: string })
    const now = Date.now()
    lines.forEach((l, i) => {
      const id = Number(db.stmt(`INSERT INTO photos (status, added_at, updated_at) VALUES ('captioned', ?, ?)`).run(now, now).lastInsertRowid)
      const vec = Buffer.from(Float32Array.from(l.embedding).buffer)
      db.stmt(`INSERT INTO embeddings (photo_id, model_id, dim, vector, created_at) VALUES (?, 'clip', ?, ?, ?)`).run(id, l.embedding.length, vec, now)
      // Every third photo keeps an automatic caption: it must not be trained on.
      const prov = i % 3 === 2 ? 'auto' : 'user'
      const cid = db.stmt(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, ?, ?)`).run(id, l.caption, prov, now).lastInsertRowid
      db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cid, id)
    })
    db.close()
    const c = io(dir)
    const code = await main(
      [
        'train',
        '--db',
        'library.db',
        '--pack',
        path.join(FIX, 'packs/mlp'),
        '--out',
        'out',
        '--steps',
        '3',
        '--batch-size',
        '5',
        '--lr',
        '0.001',
        '--warmup',
        '1',
        '--no-shuffle',
      ],
      c.io,
    )
    expect(c.err.join('\n')).toBe('')
    expect(code).toBe(0)
    expect(c.out.map((l) => JSON.parse(l).step)).toEqual([0, 1, 2]) // 10 user captions / 5 = 2 batches per epoch
    const w = readSafetensors(path.join(dir, 'out/mapping/model.safetensors'))
    expect([...w.keys()].sort()).toEqual([
      'clip_project.model.0.bias',
      'clip_project.model.0.weight',
      'clip_project.model.2.bias',
      'clip_project.model.2.weight',
    ])
    expect(fs.existsSync(path.join(dir, 'out/gpt2'))).toBe(false)
  })

  // Without the CUDA provider library (this machine, CI) a named --provider cuda cannot run: the
  // run must say why on stderr and train on CPU with the same results; stdout stays JSON lines.
  const cudaPresent = providerEnvironment().cudaLibraryPresent
  if (cudaPresent) console.warn('skipped: the CUDA provider library is installed here, so --provider cuda would not fall back')
  it.skipIf(cudaPresent)('--provider cpu trains on CPU silently; --provider cuda falls back to CPU with the reason on stderr; auto is silent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-cli-provider-'))
    const args = (provider: string, out: string) => [
      'train',
      '--data',
      'dataset.jsonl',
      '--pack',
      'packs/mlp',
      '--out',
      path.join(dir, out),
      '--steps',
      '2',
      '--batch-size',
      '5',
      '--lr',
      '0.001',
      '--warmup',
      '1',
      '--no-shuffle',
      '--provider',
      provider,
    ]
    const losses = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { loss: number }).loss)
    const cpu = io(FIX)
    expect(await main(args('cpu', 'cpu'), cpu.io)).toBe(0)
    expect(cpu.err).toEqual([])
    expect(losses(cpu.out)).toHaveLength(2)
    const cuda = io(FIX)
    expect(await main(args('cuda', 'cuda'), cuda.io)).toBe(0)
    expect(cuda.err.join('\n')).toMatch(/^photocap train: provider cuda not used \(.*cuda.*\); running on cpu$/)
    expect(losses(cuda.out)).toEqual(losses(cpu.out))
    const auto = io(FIX)
    expect(await main(args('auto', 'auto'), auto.io)).toBe(0)
    expect(auto.err).toEqual([])
    expect(losses(auto.out)).toEqual(losses(cpu.out))
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
