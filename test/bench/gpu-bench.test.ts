// The GPU bench on a machine without an NVIDIA GPU (this one, CI): it says so,
// measures nothing and succeeds, so `npm run bench -- gpu` exits 0.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseNvidiaSmi, probeNvidiaGpus, run } from '../../bench/gpu.bench.ts'

const hasGpu = 'gpus' in probeNvidiaGpus()

describe('gpu bench', () => {
  it('parses nvidia-smi CSV', () => {
    expect(parseNvidiaSmi('NVIDIA H200, 143771, 550.54.15\n\n')).toEqual([{ name: 'NVIDIA H200', memoryTotalMiB: 143771, driver: '550.54.15' }])
    expect(parseNvidiaSmi('')).toEqual([])
  })

  it('a missing nvidia-smi means no GPU, with the reason', () => {
    const p = probeNvidiaGpus('/nonexistent/nvidia-smi')
    expect(p).toEqual({ none: expect.stringMatching(/^no NVIDIA GPU: \/nonexistent\/nvidia-smi cannot run \(ENOENT\)/) })
  })

  it.skipIf(hasGpu)('without a GPU it says so and measures nothing', async () => {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-gpu-bench-'))
    try {
      const figures = await run({ tmpDir, quick: true, log: () => {} })
      expect(figures.gpu).toBeNull()
      expect(figures.measured).toBe(false)
      expect(String(figures.message)).toMatch(/no NVIDIA GPU.*measured nothing/)
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true })
    }
  })

  it.skipIf(hasGpu)('npm run bench -- gpu exits 0 and writes the figures', () => {
    const root = path.resolve(import.meta.dirname, '..', '..')
    const r = spawnSync(process.execPath, ['bin/bench.js', 'gpu'], { cwd: root, encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { gpu: { figures: { measured: boolean; message: string } } }
    expect(out.gpu.figures.measured).toBe(false)
    expect(out.gpu.figures.message).toMatch(/no NVIDIA GPU/)
  })
})
