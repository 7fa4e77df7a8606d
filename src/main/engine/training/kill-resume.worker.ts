// Child process for library-training's kill -9 test: trains from a library
// database and reports each step on stdout. Not a test file by itself.
import { openDatabase } from '../db/database.ts'
import { trainFromLibrary } from './library-training.ts'

const [dbFile, dataDir, basePack] = process.argv.slice(2) as [string, string, string]
const db = openDatabase(dbFile)
const v = await trainFromLibrary(db, {
  dataDir,
  basePack,
  init: 'scratch',
  tuneGpt2: false,
  epochs: 8,
  batchSize: 8,
  lr: 3e-3,
  warmup: 2,
  checkpointEvery: 4,
  onProgress: (p) => process.stdout.write(JSON.stringify({ step: p.step, loss: p.loss }) + '\n'),
})
process.stdout.write(JSON.stringify({ done: v.id, state: v.state, resumed: (v.metrics as { resumed_from_step: number }).resumed_from_step }) + '\n')
db.close()
