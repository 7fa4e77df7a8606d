// The process the bridge fuzz test attacks: the real backend (temp library, no
// ML) behind the real HTTP bridge on 127.0.0.1, as `photocap serve --no-ml`
// runs it (without building the interface). Prints one JSON line with the port,
// token and pid, then serves until killed.
// argv: DIR (an empty folder it owns)
import fs from 'node:fs'
import path from 'node:path'
import { createBackend } from '../../src/main/app/backend.ts'
import { startHttpBridge } from '../../src/main/bridge/http-bridge.ts'

const dir = process.argv[2]!
fs.mkdirSync(path.join(dir, 'web'), { recursive: true })
fs.writeFileSync(path.join(dir, 'web', 'index.html'), '<!doctype html><title>fuzz</title>')
const backend = await createBackend({
  mode: 'web',
  dbPath: path.join(dir, 'lib.db'),
  dataDir: path.join(dir, 'data'),
  cacheDir: path.join(dir, 'cache'),
  createMl: null,
  watch: false,
  log: () => undefined,
})
const bridge = await startHttpBridge({
  dispatcher: backend.dispatcher,
  events: backend.events,
  images: backend.images,
  staticDir: path.join(dir, 'web'),
  port: 0,
})
process.stdout.write(JSON.stringify({ port: bridge.port, token: bridge.token, pid: process.pid }) + '\n')
