// `npm run bench -- gpu`: captioning on an NVIDIA GPU with ONNX Runtime's CUDA
// provider, for the day a machine has one. Nothing else depends on it.
//
// Without an NVIDIA GPU (no nvidia-smi, or it lists none) it says so and
// measures nothing: the bench succeeds, so `npm run bench` exits 0. With one:
//  1. the CUDA provider library is installed if missing, the way README "GPU
//     acceleration" says (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild
//     onnxruntime-node; it downloads, so it needs the network);
//  2. a child process (gpu-measure.ts; the binding this process already
//     loaded cannot pick up new libraries) captions the generated tiny pack's
//     images (and the reference packs' when ../shared/reference is there) on
//     CPU and on CUDA, greedy and beam 5, and requires equal tokens;
//  3. it reports images/s at batch 1, 16 and 64 (greedy, 20 tokens, files to
//     captions) for the real-size random pack, the provider actually used and
//     the GPU memory in use.
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchContext } from './run.ts'
import { providerEnvironment } from '../src/main/ml/runtime/session.ts'

export const name = 'gpu'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')

export interface NvidiaGpu {
  name: string
  memoryTotalMiB: number
  driver: string
}

/** Parse `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(stdout: string): NvidiaGpu[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [gpuName = '', mem = '', driver = ''] = l.split(',').map((s) => s.trim())
      return { name: gpuName, memoryTotalMiB: Number(mem), driver }
    })
    .filter((g) => g.name && Number.isFinite(g.memoryTotalMiB))
}

export type GpuProbe = { gpus: NvidiaGpu[] } | { none: string }

/** The NVIDIA GPUs nvidia-smi lists, or why there are none. `smi` is the command (tests pass a missing one). */
export function probeNvidiaGpus(smi = process.env.PHOTOCAP_NVIDIA_SMI ?? 'nvidia-smi'): GpuProbe {
  if (process.platform !== 'linux' && process.platform !== 'win32') return { none: `no CUDA on ${process.platform}` }
  const r = spawnSync(smi, ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 30_000 })
  if (r.error) return { none: `no NVIDIA GPU: ${smi} cannot run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` }
  if (r.status !== 0) return { none: `no NVIDIA GPU: ${smi} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` }
  const gpus = parseNvidiaSmi(r.stdout)
  return gpus.length ? { gpus } : { none: `no NVIDIA GPU: ${smi} lists none` }
}

function installCudaProvider(ctx: BenchContext): { ok: boolean; detail: string } {
  ctx.log('CUDA provider library missing: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node')
  const r = spawnSync('npm', ['rebuild', 'onnxruntime-node'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
    timeout: 20 * 60_000,
    maxBuffer: 64 << 20,
  })
  return { ok: r.status === 0, detail: (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n') }
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const probe = probeNvidiaGpus()
  if ('none' in probe) {
    ctx.log(`${probe.none}; nothing to measure`)
    return {
      gpu: null,
      measured: false,
      message: `${probe.none}; the GPU bench measured nothing (run it on a machine with an NVIDIA GPU and CUDA 12)`,
      loadAverage: os.loadavg(),
    }
  }
  const figures: Record<string, unknown> = { gpu: probe.gpus, loadAverageAtStart: os.loadavg() }
  if (!providerEnvironment().cudaLibraryPresent) {
    const installed = installCudaProvider(ctx)
    figures.cudaProviderInstall = installed
    if (!installed.ok) return { ...figures, measured: false, message: `installing onnxruntime-node's CUDA binaries failed: ${installed.detail}` }
  }
  const args = ['--import', 'tsx', path.join(HERE, 'gpu-measure.ts'), ctx.tmpDir, ...(ctx.quick ? ['--quick'] : [])]
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] })
  if (r.status !== 0) throw new Error(`gpu-measure failed (${r.status ?? r.signal})`)
  Object.assign(figures, JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>)
  figures.measured = true
  figures.loadAverageAtEnd = os.loadavg()
  return figures
}
