// The 12 MP JPEG ingest rate of this tree against another checkout of Photocap
// (say, the commit a round started from), on the same photos, in alternating
// processes: A B A B ... So a shared, loaded machine slows both alike, and the
// median of the pair ratios is the figure. Beside the wall-clock rate it reports
// CPU time per photo (this process, all threads), which barely depends on load.
//
//   git worktree add /tmp/base <commit> && cp -a node_modules /tmp/base/
//   node --import tsx bench/ingest-ab.ts --base /tmp/base [--pairs 6] [--runs 2] [--photos 60]
//
// Not a `*.bench.ts`: it needs a second tree, so `npm run bench` does not run it.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface ChildResult {
  photosPerSecond: number[]
  cpuMsPerPhoto: number[]
  load1: number
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** In a child: index `photos` `runs` times with the engine of `tree`, each time from an empty library; no ML. */
async function child(tree: string, photos: string, runs: number): Promise<void> {
  const { createEngine } = (await import(pathToFileURL(path.join(tree, 'src/main/engine/engine.ts')).href)) as typeof import('../src/main/engine/engine.ts')
  const n = (await fs.readdir(photos)).length
  const out: ChildResult = { photosPerSecond: [], cpuMsPerPhoto: [], load1: +os.loadavg()[0]!.toFixed(2) }
  for (let r = 0; r < runs; r++) {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'photocap-ingest-ab-'))
    const engine = await createEngine({ dbPath: path.join(work, 'library.db'), dataDir: work, cacheDir: path.join(work, 'cache'), ml: null })
    await engine.start()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await engine.roots.add(photos)
    await engine.jobs.whenIdle()
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(c0)
    const done = engine.status().byStatus.thumbnailed
    await engine.close()
    await fs.rm(work, { recursive: true, force: true })
    if (done !== n) throw new Error(`${tree}: only ${done} of ${n} photos were indexed`)
    out.photosPerSecond.push(+(n / seconds).toFixed(2))
    out.cpuMsPerPhoto.push(+((cpu.user + cpu.system) / 1000 / n).toFixed(1))
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(name)
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback
  }
  if (argv[0] === '--child') return child(argv[1]!, argv[2]!, Number(argv[3]))
  const base = path.resolve(arg('--base', ''))
  if (!argv.includes('--base')) throw new Error('usage: node --import tsx bench/ingest-ab.ts --base OTHER_TREE [--pairs 6] [--runs 2] [--photos 60]')
  const pairs = Number(arg('--pairs', '6'))
  const runs = Number(arg('--runs', '2'))
  const count = Number(arg('--photos', '60'))
  const { twelveMegapixel, writeVariants } = await import('./library.bench.ts')
  const photos = await fs.mkdtemp(path.join(os.tmpdir(), 'photocap-ingest-ab-photos-'))
  try {
    // The library bench's heavy-grain 12 MP JPEGs (~5.6 MB each).
    await writeVariants(photos, await Promise.all([1, 2, 3].map((seed) => twelveMegapixel(seed, 31))), count)
    const once = (tree: string): ChildResult => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', tree, photos, String(runs)], {
        cwd: here,
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      })
      if (r.status !== 0) throw new Error(`${tree}: ${r.stderr}`)
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult
    }
    const rows: { base: ChildResult; ours: ChildResult }[] = []
    const loadAtStart = os.loadavg().map((l) => +l.toFixed(2))
    for (let p = 0; p < pairs; p++) {
      const a = once(base)
      const b = once(here)
      rows.push({ base: a, ours: b })
      const f = (v: number[]): string => median(v).toFixed(1)
      process.stderr.write(
        `pair ${p + 1}: base ${f(a.photosPerSecond)} photos/s ${f(a.cpuMsPerPhoto)} CPU-ms, this tree ${f(b.photosPerSecond)} photos/s ${f(b.cpuMsPerPhoto)} CPU-ms (load ${a.load1})\n`,
      )
    }
    const rate = rows.map((r) => median(r.ours.photosPerSecond) / median(r.base.photosPerSecond))
    const cpu = rows.map((r) => median(r.ours.cpuMsPerPhoto) / median(r.base.cpuMsPerPhoto))
    process.stdout.write(
      JSON.stringify(
        {
          base,
          ours: here,
          photos: count,
          runsPerProcess: runs,
          pairs,
          rateRatioMedian: +median(rate).toFixed(3),
          rateRatios: rate.map((x) => +x.toFixed(3)),
          cpuPerPhotoRatioMedian: +median(cpu).toFixed(4),
          cpuPerPhotoRatios: cpu.map((x) => +x.toFixed(3)),
          basePhotosPerSecondMedian: +median(rows.flatMap((r) => r.base.photosPerSecond)).toFixed(2),
          oursPhotosPerSecondMedian: +median(rows.flatMap((r) => r.ours.photosPerSecond)).toFixed(2),
          baseCpuMsPerPhotoMedian: +median(rows.flatMap((r) => r.base.cpuMsPerPhoto)).toFixed(1),
          oursCpuMsPerPhotoMedian: +median(rows.flatMap((r) => r.ours.cpuMsPerPhoto)).toFixed(1),
          loadAverage: { start: loadAtStart, end: os.loadavg().map((l) => +l.toFixed(2)) },
          cpus: os.cpus().length,
        },
        null,
        2,
      ) + '\n',
    )
  } finally {
    await fs.rm(photos, { recursive: true, force: true })
  }
}

await main(process.argv.slice(2))
