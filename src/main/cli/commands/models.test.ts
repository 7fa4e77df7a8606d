// `photocap models list` on the shipped manifests states each pack's download
// size before anything downloads; the progress line shows rate and time left.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../index.ts'
import type { CliIo } from '../io.ts'
import { progressLine } from './models.ts'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-models-cli-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

function captureIo(env: NodeJS.ProcessEnv): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd: work, env }
}

describe('photocap models', () => {
  it('list: every shipped pack with its download size, before anything is downloaded', async () => {
    const io = captureIo({ PHOTOCAP_DATA_DIR: path.join(work, 'data') })
    expect(await main(['models', 'list'], io)).toBe(0)
    const coco = io.stdout.find((l) => l.startsWith('clipcap-coco-vitb32\t'))
    expect(coco).toBe(
      "clipcap-coco-vitb32\tavailable\tdownload 1.08 GiB + mapping/coco_weights.pt (size not published; at most 1.00 GiB)\tClipCap COCO captions: ViT-B/32 CLIP, MLP mapping, fine-tuned GPT-2 (the paper's released model)",
    )
    expect(io.stdout.filter((l) => /^\S+\tavailable\tdownload \d/.test(l)).length).toBeGreaterThanOrEqual(2)
    expect(fs.existsSync(path.join(work, 'data', 'models'))).toBe(false)
  })

  it('the progress line: bar, bytes, rate and time left', () => {
    expect(progressLine('clip/model.safetensors', { received: 120 * 2 ** 20, total: 480 * 2 ** 20, bytesPerSecond: 8 * 2 ** 20, etaSeconds: 45 })).toBe(
      'clip/model.safetensors [######------------------] 120.0 MiB / 480.0 MiB  8.0 MiB/s  ETA 45 s',
    )
    expect(progressLine('m.pt', { received: 2048, total: null, bytesPerSecond: null, etaSeconds: null })).toBe('m.pt 2.0 KiB')
  })

  it('install --from with no pack name is a usage error', async () => {
    const io = captureIo({ PHOTOCAP_DATA_DIR: path.join(work, 'data') })
    expect(await main(['models', 'install', '--from', 'x.pt'], io)).toBe(2)
    expect(io.stderr[0]).toMatch(/give one pack NAME/)
  })
})
