// `photocap serve [--port N] [--db FILE] [--pack DIR] [--no-ml]`: the app without
// Electron. The same backend as the desktop app (engine, ML worker, search),
// the built renderer, over HTTP + WebSocket on 127.0.0.1 only, guarded by a
// random token (see [Note: HTTP bridge security]). The first line on stdout is
// the address to open, token included; tests and scripts read it.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCommandArgs } from '../args.ts'
import { createBackend } from '../../app/backend.ts'
import { startHttpBridge } from '../../bridge/http-bridge.ts'
import { libraryLocation, loadMlService } from '../support.ts'
import { isProviderRequest } from '../../ml/runtime/providers.ts'
import type { CliIo } from '../io.ts'

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
export const webRendererDir = path.join(repoRoot, 'out', 'renderer-web')

/** Newest modification time under a folder (sources of the renderer). */
function newestMtime(dir: string): number {
  let newest = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs)
  }
  return newest
}

/** Build the renderer with vite.renderer.config.ts when it is missing or older than its sources. */
export function ensureWebRenderer(io: Pick<CliIo, 'err'>): string {
  const index = path.join(webRendererDir, 'index.html')
  const sources = [path.join(repoRoot, 'src', 'renderer'), path.join(repoRoot, 'src', 'shared')]
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0
  const stale = built === 0 || sources.some((s) => fs.existsSync(s) && newestMtime(s) > built)
  if (!stale) return webRendererDir
  if (!fs.existsSync(path.join(repoRoot, 'vite.renderer.config.ts'))) {
    if (built) return webRendererDir
    throw new Error(`the interface is not built (${index} is missing) and cannot be built here`)
  }
  io.err('photocap serve: building the interface…')
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js')
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'error'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`building the interface failed:\n${r.stderr}`)
  return webRendererDir
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: 'usage: photocap serve [--port N] [--db FILE] [--pack DIR] [--no-ml] [--no-watch]   (--port 0, the default, picks a free port)',
    options: { port: { type: 'string' }, db: { type: 'string' }, pack: { type: 'string' }, 'no-ml': { type: 'boolean' }, 'no-watch': { type: 'boolean' } },
  })
  const { values } = cli
  const port = cli.number('port', { integer: true, min: 0, max: 65535 }) ?? 0
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const staticDir = ensureWebRenderer(io)
  const backend = await createBackend({
    mode: 'web',
    dbPath: loc.dbPath,
    dataDir: loc.dataDir,
    cacheDir: loc.cacheDir,
    packDir: values.pack ? path.resolve(io.cwd, values.pack) : null,
    createMl: values['no-ml']
      ? null
      : // The ML worker process (support.ts's switch), with the interface's thread count.
        (o) =>
          loadMlService(
            { dataDir: o.dataDir, threads: o.threads, packDir: o.packDir ?? null, ...(isProviderRequest(o.provider) ? { provider: o.provider } : {}) },
            io.env,
          ),
    watch: !values['no-watch'],
    log: (text) => io.err(text),
  })
  let bridge
  try {
    bridge = await startHttpBridge({ dispatcher: backend.dispatcher, events: backend.events, images: backend.images, staticDir, port })
  } catch (error) {
    await backend.close()
    throw error
  }
  io.out(bridge.url)
  io.err(`photocap serve: library ${loc.dbPath}; open the address above (Ctrl-C to stop)`)
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
  io.err(`photocap serve: ${signal}, stopping`)
  await bridge.close()
  await backend.close()
  return 0
}
