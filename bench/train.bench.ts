// Training throughput at real size with random weights:
// GPT-2 124M frozen + the paper's 8-layer transformer mapping (prefix 10 and
// 40, clip_length = prefix; prefix 40 also on 640-d CLIP RN50x4 embeddings, the
// paper's third model), and the MLP mapping with GPT-2 tuning. Per
// configuration: samples/s (median step), peak RSS while it ran, and the
// implied time per epoch for 1,000 captions; the goal is 1,000 captions × 3
// epochs with frozen GPT-2 in under 15 minutes on this 2-core CPU.
//
// [Note: PyTorch baseline] The issue's second goal is "a throughput no worse
// than PyTorch's on the same CPU for the same model". bench/torch/train_step.py
// is the same training step in PyTorch (same models, the paper's loss and
// transformers' AdamW, same batch/threads; its --check-golden mode proves it
// matches the reference gradients). Per configuration the two sides run back
// to back and alternate (ours, PyTorch, ours, PyTorch…) so a busy shared
// machine slows both alike; medians over all timed steps. PyTorch runs twice
// per round: `--head all` (the paper's train.py: LM head on every position,
// then the loss slice) and `--head loss` (LM head on the loss rows only, the
// algorithm our graph uses); the goal is judged against the faster of the two.
// Without PyTorch (python3 -c 'import torch' fails) the bench still runs and
// says so. The child runs on Debian's OpenMP OpenBLAS, pinned and checked
// ([Note: BLAS pinning] in torch-python.ts): against any other BLAS the bench
// prints PyTorch's figures but no ratio and no goal verdict.
//
// [Note: fresh output buffers] onnxruntime-node hands every graph output back
// in a NEW ArrayBuffer (preallocated `fetches` are filled and then copied
// again). The step graph outputs only gradients (the optimizer runs in place,
// [Note: host optimizer] in adamw-wasm.ts), so each step still receives one
// copy of the gradients in fresh memory: ~0.17 GB for the transformer mapping,
// ~0.63 GB with GPT-2 tuned (before, params + m + v: ~1.5 GB tuned). glibc maps
// blocks over 32 MB with mmap, and first-touch page faults cost ~2 s/GB on this
// VM: with the old outputs the tuned step measured 5.7 s normally and 2.2 s
// with MALLOC_MMAP_MAX_=0 (all blocks from glibc's reusable heap). The setting
// can only be given when a process starts (env), so the bench reports
// `malloc_env`; run `MALLOC_MMAP_MAX_=0 npm run bench -- train` to measure both
// sides with it as the app's training process runs
// (the PyTorch child inherits the same environment).
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchContext } from './run.ts'
import { median } from './run.ts'
import { findTorchPython } from './torch-python.ts'
import type { StepChildArgs } from './train-step-child.ts'

export const name = 'train'

const TORCH_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch', 'train_step.py')

interface TorchRun {
  step_times_s: number[]
  samples_per_s: number
  peak_rss_mb: number
  setup_s: number
  trained_tensors: number
}

/** One PyTorch run of `config` (a warm-up step, then `steps` timed ones) in a child process. */
function runTorch(
  python: string,
  env: NodeJS.ProcessEnv,
  config: string,
  head: 'all' | 'loss',
  opts: { batch: number; tokens: number; steps: number; warmup: number; threads: number },
): TorchRun {
  const args = [
    TORCH_SCRIPT,
    '--config',
    config,
    '--head',
    head,
    '--batch-size',
    String(opts.batch),
    '--caption-tokens',
    String(opts.tokens),
    '--steps',
    String(opts.steps),
    '--warmup',
    String(opts.warmup),
    '--threads',
    String(opts.threads),
  ]
  const r = spawnSync(python, args, { encoding: 'utf8', env, timeout: 30 * 60_000, maxBuffer: 16 << 20 })
  if (r.status !== 0) throw new Error(`${python} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchRun
}

interface OursRun {
  setup_s: number
  step_times_s: number[]
  peak_rss_mb: number
  trained_tensors: number
}

const OURS_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'train-step-child.ts')

/** One run of our training step in a child process (bench/train-step-child.ts), same environment as PyTorch's. */
function runOurs(args: StepChildArgs): OursRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', OURS_SCRIPT, JSON.stringify(args)], { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 16 << 20 })
  if (r.status !== 0) throw new Error(`${OURS_SCRIPT} ${JSON.stringify(args)} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as OursRun
}

const round2 = (x: number) => Math.round(x * 100) / 100
const loadAverage = () => os.loadavg().map((x) => round2(x))

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const B = ctx.quick ? 4 : 16
  const L = 20 // caption tokens (COCO captions average ~12 GPT-2 tokens; max_seq_len rule gives ~20-40)
  const THREADS = 2 // the TrainingSession's intraOpNumThreads (train-run.ts default) and torch.set_num_threads
  const timedSteps = ctx.quick ? 2 : 3
  // Untimed warm-up steps, both sides: ORT's first TWO runs of a training graph are 2-3x slower
  // (allocation planning, arena growth, first-touch page faults), PyTorch's first one or two too.
  const warmup = 2
  // ours then PyTorch, `rounds` times per configuration (PHOTOCAP_BENCH_TRAIN_ROUNDS to change it on a busy machine)
  const rounds = Number(process.env.PHOTOCAP_BENCH_TRAIN_ROUNDS) > 0 ? Number(process.env.PHOTOCAP_BENCH_TRAIN_ROUNDS) : ctx.quick ? 1 : 2
  const configs: { label: string; type: 'mlp' | 'transformer'; prefix: number; tune: boolean; clipDim?: number }[] = [
    { label: 'transformer8_p10_frozen', type: 'transformer', prefix: 10, tune: false },
    { label: 'transformer8_p40_frozen', type: 'transformer', prefix: 40, tune: false },
    { label: 'mlp_p10_tuned', type: 'mlp', prefix: 10, tune: true },
    // The paper's third model: transformer prefix 40 on CLIP RN50x4 embeddings (640-d), frozen GPT-2.
    // bench/torch/train_step.py has no 640-d configuration, so this one runs without the PyTorch side.
    { label: 'transformer8_p40_frozen_rn50x4', type: 'transformer', prefix: 40, tune: false, clipDim: 640 },
  ]
  const torch = findTorchPython(THREADS)
  ctx.log('missing' in torch ? `PyTorch: ${torch.missing}` : `PyTorch ${torch.version} via ${torch.python} (BLAS: ${torch.blas.join(', ') || 'unknown'})`)
  const noRatio = 'missing' in torch ? null : torch.verdict.reason
  const figures: Record<string, unknown> = {
    batch_size: B,
    caption_tokens: L,
    warmup_steps: warmup,
    timed_steps_per_round: timedSteps,
    rounds,
    threads: THREADS,
    cpus: os.cpus().length,
    // glibc malloc settings both sides inherit ([Note: fresh output buffers]).
    malloc_env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_') || k === 'GLIBC_TUNABLES')),
    load_average_at_start: loadAverage(),
    pytorch:
      'missing' in torch
        ? torch.missing
        : {
            python: torch.python,
            version: torch.version,
            blas: torch.blas,
            blas_ok: torch.verdict.ok,
            ld_library_path: torch.env.LD_LIBRARY_PATH ?? null,
            script: 'bench/torch/train_step.py',
            optimizer: 'transformers.AdamW v4.10 math (own implementation)',
            ...(noRatio ? { warning: noRatio } : {}),
          },
  }
  const goals: Record<string, boolean | null> = {}
  for (const c of configs) {
    const times: number[] = []
    const torchTimes = { all: [] as number[], loss: [] as number[] }
    const torchRuns: TorchRun[] = []
    const oursRuns: OursRun[] = []
    const loads: number[][] = []
    for (let r = 0; r < rounds; r++) {
      // Ours in a process of its own each round (bench/train-step-child.ts), like each PyTorch run:
      // its peak RSS is this configuration's alone, and both sides start from a fresh process
      // (the earlier in-process session re-faulted its memory after a PyTorch child had run).
      loads.push(loadAverage())
      ctx.log(`${c.label}: ours round ${r} (own process: graph build, ${warmup} warm-up + ${timedSteps} timed steps)…`)
      const ours = runOurs({
        type: c.type,
        prefix: c.prefix,
        tune: c.tune,
        batch: B,
        tokens: L,
        warmup,
        steps: timedSteps,
        threads: THREADS,
        ...(c.clipDim ? { clipDim: c.clipDim } : {}),
      })
      oursRuns.push(ours)
      times.push(...ours.step_times_s)
      ctx.log(`${c.label}: ours round ${r}: ${ours.step_times_s.map((x) => x.toFixed(2)).join(' ')} s, peak RSS ${Math.round(ours.peak_rss_mb)} MB`)
      if ('missing' in torch || c.clipDim) continue
      for (const head of ['all', 'loss'] as const) {
        const tr = runTorch(torch.python, torch.env, c.label, head, { batch: B, tokens: L, steps: timedSteps, warmup, threads: THREADS })
        torchTimes[head].push(...tr.step_times_s)
        torchRuns.push(tr)
        ctx.log(
          `${c.label}: PyTorch --head ${head} round ${r}: ${tr.step_times_s.map((x) => x.toFixed(2)).join(' ')} s, peak RSS ${Math.round(tr.peak_rss_mb)} MB`,
        )
      }
    }
    const setupS = median(oursRuns.map((o) => o.setup_s))
    const peakRss = Math.max(...oursRuns.map((o) => o.peak_rss_mb))
    const stepS = median(times)
    const sps = B / stepS
    const fig: Record<string, unknown> = {
      setup_s: Math.round(setupS * 10) / 10,
      step_s: round2(stepS),
      step_times_s: times.map(round2),
      samples_per_s: round2(sps),
      epoch_1000_captions_min: Math.round((1000 / sps / 60) * 10) / 10,
      three_epochs_1000_captions_min: Math.round(((3 * 1000) / sps / 60) * 10) / 10,
      peak_rss_mb: Math.round(peakRss),
      trained_tensors: oursRuns[0]!.trained_tensors,
      load_average_per_round: loads,
    }
    if ('missing' in torch) {
      fig.pytorch = torch.missing
      goals[c.label] = null
    } else if (c.clipDim) {
      fig.pytorch = 'not measured: bench/torch/train_step.py has no configuration with 640-d CLIP embeddings'
    } else {
      const paperSps = B / median(torchTimes.all)
      const sameSps = B / median(torchTimes.loss)
      const best = Math.max(paperSps, sameSps)
      Object.assign(fig, {
        pytorch_samples_per_s: round2(paperSps),
        pytorch_step_times_s: torchTimes.all.map(round2),
        pytorch_head_on_loss_rows_samples_per_s: round2(sameSps),
        pytorch_head_on_loss_rows_step_times_s: torchTimes.loss.map(round2),
        pytorch_peak_rss_mb: Math.max(...torchRuns.map((t) => t.peak_rss_mb)),
        peak_rss_at_most_pytorch: peakRss <= Math.max(...torchRuns.map((t) => t.peak_rss_mb)),
        pytorch_trained_tensors: torchRuns[0]!.trained_tensors,
      })
      if (noRatio) {
        fig.ratio_vs_pytorch = `not printed: ${noRatio}`
        goals[c.label] = null
      } else {
        Object.assign(fig, {
          ratio_vs_pytorch: round2(sps / paperSps),
          ratio_vs_pytorch_head_on_loss_rows: round2(sps / sameSps),
          no_worse_than_pytorch: sps >= best,
        })
        goals[c.label] = sps >= best
      }
    }
    figures[c.label] = fig
    ctx.log(JSON.stringify(fig))
  }
  figures.load_average_at_end = loadAverage()
  const frozen = figures.transformer8_p10_frozen as { three_epochs_1000_captions_min: number }
  figures.goal = {
    three_epochs_1000_captions_frozen_under_15_min: {
      goal: '1,000 captions x 3 epochs, frozen GPT-2 (transformer p10), < 15 min on the 2-core CPU',
      minutes: frozen.three_epochs_1000_captions_min,
      met: frozen.three_epochs_1000_captions_min < 15,
    },
    no_worse_than_pytorch: {
      goal: "samples/s >= PyTorch's on the same CPU for the same model (the faster of the paper's all-position LM head and the loss-rows-only head)",
      per_config: goals,
      met: 'missing' in torch || noRatio ? null : Object.values(goals).every(Boolean),
    },
  }
  return figures
}
