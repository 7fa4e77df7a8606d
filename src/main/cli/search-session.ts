// What the `search`, `similar` and `export` commands share: open an existing
// library, and (only when the library has embeddings) start loading the text
// tower of the active pack, so meaning search can take part.
import fs from 'node:fs'
import { createEngine, type Engine } from '../engine/engine.ts'
import { libraryLocation, loadMlService } from './support.ts'
import { readSettings } from '../engine/settings.ts'
import type { MlService } from '../ml/service.ts'
import type { SearchService } from '../engine/search/search-service.ts'

export interface SearchSession {
  engine: Engine
  search: SearchService
  close(): Promise<void>
}

export async function openSearchSession(opts: {
  env: NodeJS.ProcessEnv
  cwd: string
  db?: string | undefined
  pack?: string | undefined
  meaning: boolean
}): Promise<SearchSession> {
  const loc = libraryLocation(opts.env, opts.cwd, opts.db)
  if (!fs.existsSync(loc.dbPath)) throw new Error(`no library database at ${loc.dbPath} (index some folders first: photocap index FOLDER)`)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  const hasEmbeddings = engine.db.stmt(`SELECT 1 FROM embeddings LIMIT 1`).get() !== undefined
  let ml: Promise<MlService> | null = null
  if (opts.meaning && hasEmbeddings) {
    const settings = readSettings(engine.db)
    ml = loadMlService({ dataDir: loc.dataDir, packDir: opts.pack ?? settings.activePack, provider: settings.provider }, opts.env)
    ml.catch(() => undefined) // reported through the search result's meaningNote
  }
  // the engine's own search, as every door uses it; only its text tower comes from here (no pipeline runs)
  const search = engine.search
  if (ml) void search.useText(ml)
  return {
    engine,
    search,
    async close() {
      if (ml) await ml.then((s) => s.close()).catch(() => undefined)
      await engine.close()
    },
  }
}
