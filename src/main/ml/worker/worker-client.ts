// The parent side of the ML worker: child_process.fork running worker-main.ts
// through tsx by default, or whatever process a launcher gives (the desktop
// app's Electron utility process, [Note: child processes in the desktop app]
// in electron/utility-process.ts). Implements MlService by sending calls; a
// crashed worker fails its pending calls with an error naming the exit, and
// the next call starts a fresh worker. Cancellation: an aborted signal rejects
// the call at once and tells the worker to stop it.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { CancelledError, reviveError } from '../cancelled.ts'
import { defaultDecodeOptions, type CaptionResult, type DecodeOptions, type ImageEmbedResult, type MlInfo, type MlService } from '../service.ts'
import type { ChildProcessLike } from './child-process.ts'
import { fromWorkerSchema, resultValueSchemas, type ToWorker, type WorkerCall, type WorkerInit } from './protocol.ts'

interface Pending {
  method: WorkerCall['method']
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

export class MlWorkerCrashedError extends Error {
  override name = 'MlWorkerCrashedError'
}

function abortError(): Error {
  const e = new CancelledError('ML call was cancelled')
  e.name = 'AbortError'
  return e
}

/** The worker's process. */
export type WorkerChild = ChildProcessLike<ToWorker>

/** Fork worker-main.ts under Node. */
export function forkWorker(): WorkerChild {
  const entry = fileURLToPath(new URL('./worker-main.ts', import.meta.url))
  // tsx by absolute URL: a bare '--import tsx' would resolve against the
  // user's working directory, which is any folder of photos.
  const tsx = import.meta.resolve('tsx')
  return fork(entry, [], { execArgv: ['--import', tsx], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

export class WorkerMlService implements MlService {
  private child: WorkerChild | null = null
  private starting: Promise<void> | null = null
  private nextId = 1
  private pending = new Map<number, Pending>()
  private closed = false
  /** How many worker processes this client has started (restarts after crashes). */
  starts = 0

  constructor(
    private readonly init: WorkerInit,
    private readonly log?: (text: string) => void,
    private readonly launch: () => WorkerChild = forkWorker,
  ) {}

  /** The worker's process id (tests use it to simulate a crash). */
  get pid(): number | undefined {
    return this.child?.pid
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ML service is closed'))
    this.starting ??= this.spawn().catch((error: unknown) => {
      this.starting = null
      throw error
    })
    return this.starting
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.launch()
      this.child = child
      this.starts++
      let ready = false
      child.on('message', (raw: unknown) => {
        const parsed = fromWorkerSchema.safeParse(raw)
        if (!parsed.success) {
          this.log?.(`ML worker sent an invalid message (${parsed.error.issues[0]?.message ?? 'unknown'})`)
          return
        }
        const msg = parsed.data
        if (msg.type === 'ready') {
          ready = true
          resolve()
        } else if (msg.type === 'init-error') {
          reject(new Error(msg.message))
          child.kill()
        } else if (msg.type === 'log') {
          this.log?.(msg.text)
        } else {
          const p = this.pending.get(msg.id)
          if (!p) return // cancelled meanwhile
          this.pending.delete(msg.id)
          if (msg.type === 'error') {
            p.reject(reviveError(msg))
          } else {
            const v = resultValueSchemas[p.method].safeParse(msg.value)
            if (v.success) p.resolve(v.data)
            else p.reject(new Error(`ML worker returned a malformed ${p.method} result (${v.error.issues[0]?.message ?? 'unknown'})`))
          }
        }
      })
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = null
          this.starting = null
        }
        const why = new MlWorkerCrashedError(`ML worker exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`)
        if (!ready) reject(why)
        for (const [id, p] of this.pending) {
          this.pending.delete(id)
          p.reject(why)
        }
      })
      child.on('error', (error) => reject(error))
      this.send({ type: 'init', options: this.init })
    })
  }

  private send(msg: ToWorker): void {
    this.child?.send(msg)
  }

  private async call<M extends WorkerCall['method']>(call: Extract<WorkerCall, { method: M }>, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw abortError()
    await this.start()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return
        this.send({ type: 'cancel', id })
        reject(abortError())
      }
      this.pending.set(id, {
        method: call.method,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(v)
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort)
          reject(e)
        },
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      this.send({ type: 'call', id, call })
    })
  }

  async info(): Promise<MlInfo> {
    return (await this.call({ method: 'info', args: [] })) as MlInfo
  }

  async embedImages(paths: string[], signal?: AbortSignal): Promise<ImageEmbedResult[]> {
    return (await this.call({ method: 'embedImages', args: [paths] }, signal)) as ImageEmbedResult[]
  }

  async embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return (await this.call({ method: 'embedTexts', args: [texts] }, signal)) as Float32Array[]
  }

  async captionEmbeddings(embeddings: Float32Array[], options: Partial<DecodeOptions> = {}, signal?: AbortSignal): Promise<CaptionResult[]> {
    const o = { ...defaultDecodeOptions, ...options }
    return (await this.call({ method: 'captionEmbeddings', args: [embeddings as Float32Array<ArrayBuffer>[], o] }, signal)) as CaptionResult[]
  }

  async close(): Promise<void> {
    this.closed = true
    const child = this.child
    if (!child) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
      }, 5000)
      child.on('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      if (child.disconnect) child.disconnect()
      else child.kill()
    })
  }
}
