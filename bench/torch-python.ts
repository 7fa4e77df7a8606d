// The PyTorch child of the benches that compare with PyTorch (train,
// caption-vs-pytorch): which Python, which environment, which BLAS.
//
// [Note: BLAS pinning] Debian's python3-torch calls whatever libblas.so.3 the
// alternatives system selects. libopenblas0-pthread (pulled in by other Debian
// packages) wins that selection when installed and halves PyTorch's speed on
// 2 cores (measured: PyTorch greedy 0.62 s/image against 0.31
// with the OpenMP build), and the reference BLAS is ~10x slower. So the child
// gets LD_LIBRARY_PATH pointing at the OpenMP OpenBLAS folder first (the
// dynamic linker then loads that libblas.so.3 whatever the alternative says),
// the child reports the BLAS actually mapped into it (/proc/self/maps), and
// the benches print no ratio against any other BLAS.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

const MULTIARCH: Partial<Record<string, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }

/** Debian's folder of the OpenMP OpenBLAS build (libopenblas0-openmp), or null off Debian-style Linux. */
export function openmpOpenblasDir(arch: string = process.arch): string | null {
  const triple = MULTIARCH[arch]
  return triple ? `/usr/lib/${triple}/openblas-openmp` : null
}

/**
 * The environment of a PyTorch child: OpenMP OpenBLAS first on the library
 * path, `threads` OpenMP threads, and idle OpenMP threads that sleep instead
 * of spinning (OMP_WAIT_POLICY=PASSIVE unless the caller set a policy): our
 * side runs ORT with allow_spinning off, and on a shared, oversubscribed
 * machine spinning OpenMP threads measured 10-50x slower (PyTorch
 * KV-cache greedy 106 s per image at batch 1 with load 18 on 2 cores), which
 * would flatter us.
 */
export function torchChildEnv(threads: number, base: NodeJS.ProcessEnv = process.env, blasDir: string | null = openmpOpenblasDir()): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: base.OMP_WAIT_POLICY ?? 'PASSIVE' }
  if (blasDir) env.LD_LIBRARY_PATH = base.LD_LIBRARY_PATH ? `${blasDir}:${base.LD_LIBRARY_PATH}` : blasDir
  return env
}

export interface BlasVerdict {
  /** True when PyTorch runs on Debian's OpenMP OpenBLAS, the only BLAS a ratio is printed against. */
  ok: boolean
  /** Why no ratio is printed (null when ok). */
  reason: string | null
}

/** Judge the BLAS libraries a PyTorch child reported as mapped. */
export function blasVerdict(loaded: readonly string[]): BlasVerdict {
  const blas = loaded.filter((l) => /blas|mkl/i.test(l))
  if (blas.length === 0) return { ok: false, reason: 'PyTorch mapped no BLAS library we can name; no ratio printed' }
  if (blas.every((l) => l.includes('/openblas-openmp/'))) return { ok: true, reason: null }
  return {
    ok: false,
    reason: `PyTorch ran on ${blas.join(', ')}, not Debian's OpenMP OpenBLAS (apt-get install libopenblas0-openmp); no ratio printed against another BLAS`,
  }
}

export type TorchPython = { python: string; version: string; blas: string[]; verdict: BlasVerdict; env: NodeJS.ProcessEnv } | { missing: string }

const PROBE = `import torch, json
torch.ones(64, 64) @ torch.ones(64, 64)
maps = [l.split()[-1] for l in open("/proc/self/maps") if "/" in l]
print(json.dumps({"version": torch.__version__, "blas": sorted({m for m in maps if "blas" in m.lower() or "lapack" in m.lower() or "mkl" in m.lower()})}))`

/** A Python that imports torch with the pinned environment: $PHOTOCAP_TORCH_PYTHON, python3 on PATH, or Debian's /usr/bin/python3. */
export function findTorchPython(threads: number): TorchPython {
  const env = torchChildEnv(threads)
  const candidates = [process.env.PHOTOCAP_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c))
  for (const python of [...new Set(candidates)]) {
    if (python.startsWith('/') && !fs.existsSync(python)) continue
    const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000, env })
    if (r.status !== 0) continue
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; blas: string[] }
    return { python, version: info.version, blas: info.blas, verdict: blasVerdict(info.blas), env }
  }
  return { missing: 'PyTorch is not installed (apt-get install python3-torch libopenblas0-openmp); only our side was measured' }
}
