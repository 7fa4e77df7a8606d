// Search figures: meaning-search latency (p50/p95) excluding and
// including the CLIP text tower, and memory, at 10k / 100k / 1M synthetic 512-d
// embeddings, for the float32 index and the float16 / int8 forms with their exact
// re-rank, with recall@10 of each against exact float32; word-search latency at
// 100k captions; the text tower's time for a short query.
// Goals on the 2-core machine: p95 < 50 ms at 100k and < 300 ms at 1M with the
// text tower included; recall@10 >= 0.99 for any compressed form.
// `--quick`: 10k embeddings, 10k captions, a 2-layer text tower.
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { median, percentile, type BenchContext } from './run.ts'
import { VectorIndex, type VectorEncoding } from '../src/main/engine/search/vector-index.ts'
import { referenceRank, relevanceCutoff } from '../src/main/engine/search/cutoff.ts'
import { openDatabase } from '../src/main/engine/db/database.ts'
import { wordSearch } from '../src/main/engine/search/word-search.ts'
import { SearchService } from '../src/main/engine/search/search-service.ts'
import { buildFixture, conceptTextEncoder } from '../test/fixtures/search/fixture-library.ts'
import { compareFusion } from '../test/fixtures/search/evaluate.ts'
import { rng } from '../src/main/engine/search/test-vectors.ts'
import { buildClipTextGraph } from '../src/main/ml/models/clip.ts'
import type { ClipConfig } from '../src/main/ml/models/config.ts'
import { clipTextWeightSpec } from '../src/main/ml/models/weight-names.ts'
import { randomWeights } from '../src/main/ml/packs/random-pack.ts'
import { emitOnnx } from '../src/main/ml/graph/emit-onnx.ts'
import { optimizeForInference } from '../src/main/ml/graph/optimize.ts'

export const name = 'search'

const DIM = 512

/**
 * Synthetic CLIP-like embeddings: a shared direction (CLIP image embeddings of
 * one library are far from isotropic), one of n/50 "scene" centres, and noise;
 * queries sit in a different region (the text/image modality gap) near a centre.
 * Clustered data is what makes quantisation errors reorder near neighbours.
 */
function synthetic(n: number, seed: number): { vectors: Float32Array; centres: Float32Array; shared: Float32Array; centreCount: number } {
  const next = rng(seed)
  const unit = (v: Float32Array) => {
    let s = 0
    for (const x of v) s += x * x
    const inv = 1 / Math.sqrt(s)
    for (let i = 0; i < v.length; i++) v[i]! *= inv
    return v
  }
  const shared = unit(Float32Array.from({ length: DIM }, () => next() - 0.5))
  const centreCount = Math.max(20, Math.floor(n / 50))
  const centres = new Float32Array(centreCount * DIM)
  for (let c = 0; c < centreCount; c++) centres.set(unit(Float32Array.from({ length: DIM }, () => next() - 0.5)), c * DIM)
  const vectors = new Float32Array(n * DIM)
  const noiseScale = 0.5 * Math.sqrt(12 / DIM) // uniform(-0.5,0.5) has variance 1/12: noise of norm ~0.5
  for (let r = 0; r < n; r++) {
    const c = Math.floor(next() * centreCount) * DIM
    const o = r * DIM
    for (let j = 0; j < DIM; j++) vectors[o + j] = 0.9 * shared[j]! + 0.8 * centres[c + j]! + noiseScale * (next() - 0.5)
  }
  return { vectors, centres, shared, centreCount }
}

function queries(data: ReturnType<typeof synthetic>, count: number, seed: number): Float32Array[] {
  const next = rng(seed)
  const textDir = Float32Array.from({ length: DIM }, () => next() - 0.5)
  const out: Float32Array[] = []
  for (let q = 0; q < count; q++) {
    const c = Math.floor(next() * data.centreCount) * DIM
    out.push(
      Float32Array.from({ length: DIM }, (_, j) => 0.6 * textDir[j]! * 0.09 + 0.3 * data.shared[j]! + 0.5 * data.centres[c + j]! + 0.03 * (next() - 0.5)),
    )
  }
  return out
}

function stats(times: number[]): { p50: number; p95: number } {
  const r = (x: number) => Math.round(x * 100) / 100
  return { p50: r(median(times)), p95: r(percentile(times, 95)) }
}

async function textTower(ctx: BenchContext): Promise<{ run: () => Promise<void>; figures: Record<string, unknown>; release: () => Promise<void> }> {
  const layers = ctx.quick ? 2 : 12
  const cfg: ClipConfig = {
    projectionDim: 512,
    vision: { hidden: 768, layers: 1, heads: 12, intermediate: 3072, eps: 1e-5, imageSize: 224, patchSize: 32 },
    text: { hidden: 512, layers, heads: 8, intermediate: 2048, eps: 1e-5, vocabSize: 49408, maxPositions: 77 },
  }
  const t0 = performance.now()
  const emitted = emitOnnx(optimizeForInference(buildClipTextGraph(randomWeights(clipTextWeightSpec(cfg), 2), cfg)), {
    dir: path.join(ctx.tmpDir, 'text'),
    fileName: 'model.onnx',
  })
  const compileMs = performance.now() - t0
  const t1 = performance.now()
  const session = await ort.InferenceSession.create(emitted.modelPath, {
    intraOpNumThreads: Math.min(2, os.cpus().length),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  })
  const loadMs = performance.now() - t1
  // "a dog on the beach at sunset" is 9 tokens with SOT/EOT; 16 covers most typed queries
  const ids = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i === 15 ? 49407 : i === 0 ? 49406 : 400 + i)),
    [1, 16],
  )
  const run = async () => {
    await session.run({ input_ids: ids })
  }
  await run()
  const times: number[] = []
  for (let i = 0; i < (ctx.quick ? 5 : 30); i++) {
    const t = performance.now()
    await run()
    times.push(performance.now() - t)
  }
  return {
    run,
    figures: {
      what: `real-size CLIP ViT-B/32 text tower (hidden 512, ${layers} layers, 8 heads) with random weights, 16 tokens, ${Math.min(2, os.cpus().length)} threads`,
      compile_ms: Math.round(compileMs),
      load_ms: Math.round(loadMs),
      ms_per_query: stats(times),
    },
    release: () => session.release(),
  }
}

async function meaningFigures(ctx: BenchContext, n: number, tower: { run: () => Promise<void> }, queryCount: number): Promise<Record<string, unknown>> {
  ctx.log(`meaning search: ${n} vectors`)
  const data = synthetic(n, 1000 + n)
  const qs = queries(data, queryCount, 7 + n)
  const exact = (ids: number[]) => ids.map((id) => data.vectors.subarray((id - 1) * DIM, id * DIM))
  const out: Record<string, unknown> = {}
  let truth: number[][] = []
  for (const encoding of ['float32', 'float16', 'int8'] as VectorEncoding[]) {
    if (encoding === 'float32' && n * DIM * 4 > 3.5 * 2 ** 30) continue
    const buildStart = performance.now()
    const index = new VectorIndex({ modelId: 'bench', dim: DIM, encoding, capacity: n, exact })
    for (let r = 0; r < n; r++) index.upsert(r + 1, data.vectors.subarray(r * DIM, (r + 1) * DIM))
    const buildMs = performance.now() - buildStart
    // what SearchService asks for a page of 10: 40 candidates and the background for the cut-off
    const search = (q: Float32Array) => {
      const res = index.search(q, { k: 40, background: referenceRank(n) })
      relevanceCutoff(res.hits, res.background)
      return res.hits
    }
    search(qs[0]!)
    const times: number[] = []
    const withTower: number[] = []
    const results: number[][] = []
    for (const q of qs) {
      // including: the text tower runs for the query, then the search, timed as one
      const t0 = performance.now()
      await tower.run()
      const t = performance.now()
      const hits = search(q)
      const end = performance.now()
      times.push(end - t)
      withTower.push(end - t0)
      results.push(hits.slice(0, 10).map((h) => h.id))
    }
    let recall: number | null = null
    if (encoding === 'float32') truth = results
    else if (truth.length) {
      let found = 0
      results.forEach((r, i) => {
        const want = new Set(truth[i])
        found += r.filter((id) => want.has(id)).length
      })
      recall = Math.round((found / (truth.length * 10)) * 10000) / 10000
    }
    out[encoding] = {
      simd: index.usesSimd,
      index_mib: Math.round((index.bytes / 2 ** 20) * 10) / 10,
      build_s: Math.round(buildMs / 100) / 10,
      ms_excluding_text_tower: stats(times),
      ms_including_text_tower: stats(withTower),
      recall_at_10_vs_float32: encoding === 'float32' ? 1 : recall,
    }
  }
  if (!('float32' in out)) out.float32 = { skipped: 'over 3.5 GiB of float32' }
  return out
}

async function wordFigures(ctx: BenchContext, n: number): Promise<Record<string, unknown>> {
  ctx.log(`word search: ${n} captions`)
  const db = openDatabase(path.join(ctx.tmpDir, 'words.db'))
  const next = rng(99)
  const subjects = [
    'dog',
    'cat',
    'man',
    'woman',
    'child',
    'group of people',
    'car',
    'bus',
    'boat',
    'bird',
    'horse',
    'plate of food',
    'cake',
    'bicycle',
    'train',
    'kitchen',
    'bedroom',
    'street',
    'beach',
    'mountain',
  ]
  const verbs = ['sitting on', 'standing next to', 'running on', 'walking down', 'lying on', 'parked near', 'flying over', 'looking at', 'playing in', 'riding']
  const places = ['the beach', 'a table', 'the grass', 'a street', 'the snow', 'a couch', 'the water', 'a field', 'a building', 'the sunset', 'a park', 'a bed']
  const pick = <T>(a: T[]) => a[Math.floor(next() * a.length)]!
  const t0 = performance.now()
  db.tx(() => {
    db.raw.prepare(`INSERT INTO roots (path, added_at) VALUES ('/photos/Library', 0)`).run()
    const photo = db.raw.prepare(`INSERT INTO photos (camera_make, camera_model, taken_at, added_at, updated_at) VALUES (?, ?, ?, 0, 0)`)
    const file = db.raw.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, ?, 0)`)
    const caption = db.raw.prepare(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, 'auto', 0)`)
    const current = db.raw.prepare(`UPDATE photos SET caption_id = ? WHERE id = ?`)
    for (let i = 0; i < n; i++) {
      const id = Number(
        photo.run(pick(['Apple', 'Canon', 'NIKON', 'FUJIFILM']), pick(['iPhone 12', 'EOS R6', 'D750', 'X-T3']), Date.UTC(2015 + (i % 10), i % 12, 1 + (i % 28)))
          .lastInsertRowid,
      )
      file.run(id, `${2015 + (i % 10)}/${pick(['Holiday', 'Home', 'Garden', 'City trip', 'Birthday'])}/IMG_${String(i).padStart(6, '0')}.jpg`)
      const cid = caption.run(id, `a ${pick(subjects)} ${pick(verbs)} ${pick(places)}`).lastInsertRowid
      current.run(cid, id)
    }
  })
  const buildS = (performance.now() - t0) / 1000
  const cases: Record<string, string> = {
    one_word: 'dog',
    two_words: 'dog beach',
    natural: 'a dog running on the beach at sunset',
    prefix_as_typed: 'bic',
    phrase: '"on the beach"',
    file_name: 'IMG_004217',
    no_hit: 'xylophone',
  }
  const figures: Record<string, unknown> = { captions: n, build_s: Math.round(buildS * 10) / 10 }
  for (const [label, q] of Object.entries(cases)) {
    wordSearch(db, q, { limit: 50 })
    const times: number[] = []
    for (let i = 0; i < (ctx.quick ? 10 : 30); i++) {
      const t = performance.now()
      wordSearch(db, q, { limit: 50 })
      times.push(performance.now() - t)
    }
    figures[label] = { query: q, ...stats(times) }
  }
  db.close()
  return figures
}

/**
 * The whole path the interface uses, on the word-search database with a
 * synthetic embedding per photo: SearchService.search() words + meaning (index
 * kept in sync with SQLite, default 'auto' encoding), cut-off, fusion and reading
 * the results back; the text tower is left out (a stand-in returns the query vector).
 */
async function serviceFigures(ctx: BenchContext, n: number, queryCount: number): Promise<Record<string, unknown>> {
  ctx.log(`search service: ${n} photos with captions and embeddings`)
  const db = openDatabase(path.join(ctx.tmpDir, 'words.db'))
  const data = synthetic(n, 4242)
  const qs = queries(data, queryCount, 77)
  const t0 = performance.now()
  db.tx(() => {
    const put = db.raw.prepare(`INSERT INTO embeddings (photo_id, model_id, dim, vector, created_at) VALUES (?, 'bench', ${DIM}, ?, 0)`)
    for (let r = 0; r < n; r++) put.run(r + 1, Buffer.from(data.vectors.buffer, r * DIM * 4, DIM * 4))
  })
  const insertS = (performance.now() - t0) / 1000
  let next = 0
  const text = {
    info: async () => ({
      embeddingModelId: 'bench',
      captionModelId: 'bench',
      packName: 'bench',
      isTinyPack: false,
      embeddingDim: DIM,
      provider: 'cpu',
      providerFallbackReason: null,
    }),
    embedTexts: async (texts: string[]) => texts.map(() => qs[next++ % qs.length]!),
  }
  const service = new SearchService(db, { text })
  const t1 = performance.now()
  await service.warmUp()
  const warmS = (performance.now() - t1) / 1000
  const words = ['dog', 'beach', 'cat', 'a man riding a horse', 'sunset', 'kitchen table']
  const times: number[] = []
  let meaningHits = 0
  for (let i = 0; i < queryCount; i++) {
    const t = performance.now()
    const res = await service.search(words[i % words.length]!, { limit: 50 }).complete
    times.push(performance.now() - t)
    meaningHits += res.items.filter((x) => x.source !== 'words').length
  }
  db.close()
  return {
    photos: n,
    embeddings_insert_s: Math.round(insertS * 10) / 10,
    index_build_from_sqlite_s: Math.round(warmS * 10) / 10,
    ms_words_and_meaning_excluding_text_tower: stats(times),
    mean_meaning_results_kept_by_cutoff: Math.round((meaningHits / queryCount) * 10) / 10,
  }
}

/** Why RRF and the cut-off: quality on the hand-judged fixture library (test/fixtures/search). */
async function fusionFigures(ctx: BenchContext): Promise<Record<string, unknown>> {
  ctx.log('fusion on the fixture library')
  const db = openDatabase(path.join(ctx.tmpDir, 'fixture.db'))
  try {
    const lib = await buildFixture(db, ctx.tmpDir)
    const service = new SearchService(db, { text: conceptTextEncoder(lib.fixture) })
    const r = (x: number) => Math.round(x * 1000) / 1000
    const out: Record<string, unknown> = {
      queries: lib.fixture.queries.length,
      note: 'mean nDCG@10 and precision of what is shown; hand-made concept embeddings',
    }
    for (const [k, q] of Object.entries(await compareFusion(service, lib))) out[k] = { ndcg_at_10: r(q.ndcg), precision: r(q.precision) }
    return out
  } finally {
    db.close()
  }
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sizes = ctx.quick ? [10_000] : [10_000, 100_000, 1_000_000]
  const queryCount = ctx.quick ? 20 : 50
  // the machine is shared: the load average says how much of it this run had
  const figures: Record<string, unknown> = { machine_cpus: os.cpus().length, load_average_at_start: os.loadavg().map((x) => Math.round(x * 10) / 10) }

  ctx.log('text tower')
  const tower = await textTower(ctx)
  figures.text_tower = tower.figures

  const rssBefore = process.memoryUsage().rss
  const meaning: Record<string, unknown> = {}
  for (const n of sizes) meaning[String(n)] = await meaningFigures(ctx, n, tower, queryCount)
  await tower.release()
  figures.meaning = meaning
  figures.peak_rss_mib = Math.round(Math.max(rssBefore, process.memoryUsage().rss) / 2 ** 20)
  figures.words = await wordFigures(ctx, ctx.quick ? 10_000 : 100_000)
  figures.service = await serviceFigures(ctx, ctx.quick ? 10_000 : 100_000, queryCount)
  figures.fusion_on_fixture_library = await fusionFigures(ctx)
  figures.load_average_at_end = os.loadavg().map((x) => Math.round(x * 10) / 10)
  figures.approximate_index =
    'not used. The exact int8 scan with re-rank (the default above 50k photos) has recall@10 = 1.0 here and costs one pass over 512 bytes per photo; an HNSW graph with recall > 0.99 (efSearch ~100-200) visits a few thousand vectors but needs ~1-2 KiB of links per photo on top of the vectors, minutes of build time at 1M on 2 cores, and slow deletes; at <= 100k the exact scan is a few ms, so an approximate index could only pay off near 1M, where the text tower, not the scan, is the larger cost.'
  figures.goals = {
    p95_100k_including_text_ms: '< 50',
    p95_1m_including_text_ms: '< 300',
    recall_at_10_compressed: '>= 0.99',
  }
  return figures
}
