// Runs a real `photocap serve` child process for end-to-end tests: a temp data
// folder and database, port 0, the first stdout line read as the URL.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface Served {
  url: string
  origin: string
  child: ChildProcess
  stderr: () => string
  stop(): Promise<void>
}

export async function startServe(opts: { dataDir: string; dbPath: string; extraArgs?: string[] }): Promise<Served> {
  fs.mkdirSync(opts.dataDir, { recursive: true })
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'photocap.js'), 'serve', '--port', '0', '--db', opts.dbPath, ...(opts.extraArgs ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, PHOTOCAP_DATA_DIR: opts.dataDir, PHOTOCAP_DEFAULT_PACK: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! })
    rl.once('line', (line) => resolve(line.trim()))
    child.once('exit', (code) => reject(new Error(`photocap serve exited (${code}) before printing its URL:\n${err}`)))
  })
  if (!/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/.test(url)) throw new Error(`unexpected first line from photocap serve: ${url}`)
  return {
    url,
    origin: new URL(url).origin,
    child,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
