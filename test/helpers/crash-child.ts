// The process the crash test kills: indexes a folder into a library with the
// real in-process ML service (tiny pack), printing a line per progress event.
// argv: DB_PATH PHOTOS_DIR CACHE_DIR ML_DATA_DIR
import { createEngine } from '../../src/main/engine/engine.ts'
import { createInProcessMlService } from '../../src/main/ml/pipeline/index.ts'

const [dbPath, photos, cacheDir, mlDataDir] = process.argv.slice(2) as [string, string, string, string]
const ml = await createInProcessMlService({ dataDir: mlDataDir, threads: 1 })
const engine = await createEngine({ dbPath, dataDir: mlDataDir, cacheDir, ml })
engine.settings.set({ decoding: { method: 'greedy', beamSize: 5, maxTokens: 6 } })
engine.events.on('jobs.progressed', (p) => process.stdout.write(`progress ${p.done}/${p.total}\n`))
process.stdout.write('started\n')
await engine.start()
await engine.roots.add(photos)
await engine.jobs.whenIdle()
await engine.close()
await ml.close()
process.stdout.write('done\n')
