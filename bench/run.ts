// Benchmark runner. Each `bench/*.bench.ts` exports
//   export const name: string
//   export async function run(ctx: BenchContext): Promise<Record<string, unknown>>
// and returns machine-readable figures (medians, ratios, goals met). Benchmarks are
// never tests: nothing here fails a build because a shared machine was slow.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface BenchContext {
  /** A scratch folder for this benchmark, removed afterwards. */
  tmpDir: string
  /** Write progress for people; never part of the figures. */
  log(text: string): void
  /** Smaller sizes for a quick run (`npm run bench -- --quick`). */
  quick: boolean
}

export async function main(argv: string[]): Promise<number> {
  // stdout carries the JSON figures only: a library's own prints (libheif's wasm
  // says "Could not parse HEIF file ..." through console.log) go to stderr.
  for (const level of ['log', 'info', 'debug'] as const) console[level] = (...args: unknown[]) => console.error(...args)
  const quick = argv.includes('--quick')
  const wanted = argv.filter((a) => !a.startsWith('--'))
  const here = path.dirname(fileURLToPath(import.meta.url))
  const files = (await fs.readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort()
  const outDir = path.resolve(here, '..', 'bench-results')
  await fs.mkdir(outDir, { recursive: true })
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
  const all: Record<string, unknown> = {}
  let failures = 0
  for (const file of files) {
    const mod = (await import(path.join(here, file))) as { name: string; run(ctx: BenchContext): Promise<Record<string, unknown>> }
    if (wanted.length > 0 && !wanted.includes(mod.name)) continue
    const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), `photocap-bench-${mod.name}-`))
    const started = new Date().toISOString()
    try {
      const figures = await mod.run({ tmpDir, quick, log: (t) => process.stderr.write(`[${mod.name}] ${t}\n`) })
      const result = { name: mod.name, started, machine, quick, figures }
      all[mod.name] = result
      await fs.writeFile(path.join(outDir, `${mod.name}.json`), JSON.stringify(result, null, 2) + '\n')
    } catch (error) {
      failures++
      all[mod.name] = { name: mod.name, started, error: error instanceof Error ? error.stack : String(error) }
      process.stderr.write(`[${mod.name}] failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    } finally {
      await fs.rm(tmpDir, { recursive: true, force: true })
    }
  }
  process.stdout.write(JSON.stringify(all, null, 2) + '\n')
  return failures === 0 ? 0 : 1
}

/** Median of a list of numbers (benchmarks report medians, not means). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}
