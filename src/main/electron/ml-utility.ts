// [Note: ML in a utility process]
// In the desktop app the ML service runs in an Electron utilityProcess (as Ente
// does), so a 300 ms inference or a training step never stalls the main process
// that serves the window. It speaks the ML worker protocol of
// src/main/ml/worker/protocol.ts, validated on both sides; the worker side is
// the same worker-main.ts the CLI forks under Node, started through
// ml-worker-entry.ts, which maps Electron's parentPort onto process.send/on.
import path from 'node:path'
import { utilityProcess, type UtilityProcess } from 'electron'
import { defaultDecodeOptions, type CaptionResult, type DecodeOptions, type ImageEmbedResult, type MlInfo, type MlService } from '../ml/service.ts'
import { fromWorkerSchema, resultValueSchemas, type ToWorker, type WorkerCall, type WorkerInit } from '../ml/worker/protocol.ts'

interface Pending {
  method: WorkerCall['method']
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

export class UtilityMlService implements MlService {
  #child: UtilityProcess | null = null
  #starting: Promise<void> | null = null
  #pending = new Map<number, Pending>()
  #nextId = 1
  #closed = false

  constructor(
    private readonly entry: string,
    private readonly init: WorkerInit,
    private readonly log: (text: string) => void = () => undefined,
  ) {}

  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('ML service is closed'))
    this.#starting ??= this.#spawn().catch((error: unknown) => {
      this.#starting = null
      throw error
    })
    return this.#starting
  }

  #spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = utilityProcess.fork(this.entry, [], { serviceName: 'Photocap ML', stdio: 'inherit' })
      this.#child = child
      let ready = false
      child.on('message', (raw: unknown) => {
        const parsed = fromWorkerSchema.safeParse(raw)
        if (!parsed.success) return this.log(`ML worker sent an invalid message (${parsed.error.issues[0]?.message ?? 'unknown'})`)
        const msg = parsed.data
        if (msg.type === 'ready') {
          ready = true
          resolve()
        } else if (msg.type === 'init-error') {
          reject(new Error(msg.message))
          child.kill()
        } else if (msg.type === 'log') this.log(msg.text)
        else {
          const p = this.#pending.get(msg.id)
          if (!p) return
          this.#pending.delete(msg.id)
          if (msg.type === 'error') p.reject(Object.assign(new Error(msg.message), { name: msg.name }))
          else {
            const v = resultValueSchemas[p.method].safeParse(msg.value)
            if (v.success) p.resolve(v.data)
            else p.reject(new Error(`ML worker returned a malformed ${p.method} result`))
          }
        }
      })
      child.on('exit', (code) => {
        if (this.#child === child) {
          this.#child = null
          this.#starting = null
        }
        const why = new Error(`ML worker exited unexpectedly (exit code ${code})`)
        if (!ready) reject(why)
        for (const [id, p] of this.#pending) {
          this.#pending.delete(id)
          p.reject(why)
        }
      })
      this.#send({ type: 'init', options: this.init })
    })
  }

  #send(msg: ToWorker): void {
    this.#child?.postMessage(msg)
  }

  async #call(call: WorkerCall, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw Object.assign(new Error('ML call was cancelled'), { name: 'AbortError' })
    await this.start()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.#pending.delete(id)) return
        this.#send({ type: 'cancel', id })
        reject(Object.assign(new Error('ML call was cancelled'), { name: 'AbortError' }))
      }
      this.#pending.set(id, {
        method: call.method,
        resolve: (v) => (signal?.removeEventListener('abort', onAbort), resolve(v)),
        reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#send({ type: 'call', id, call })
    })
  }

  async info(): Promise<MlInfo> {
    return (await this.#call({ method: 'info', args: [] })) as MlInfo
  }
  async embedImages(paths: string[], signal?: AbortSignal): Promise<ImageEmbedResult[]> {
    return (await this.#call({ method: 'embedImages', args: [paths] }, signal)) as ImageEmbedResult[]
  }
  async embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return (await this.#call({ method: 'embedTexts', args: [texts] }, signal)) as Float32Array[]
  }
  async captionEmbeddings(embeddings: Float32Array[], options: Partial<DecodeOptions> = {}, signal?: AbortSignal): Promise<CaptionResult[]> {
    const o = { ...defaultDecodeOptions, ...options }
    return (await this.#call({ method: 'captionEmbeddings', args: [embeddings as Float32Array<ArrayBuffer>[], o] }, signal)) as CaptionResult[]
  }
  async close(): Promise<void> {
    this.#closed = true
    const child = this.#child
    if (!child) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill(), 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill()
    })
  }
}

export function workerEntryPath(mainDir: string): string {
  return path.join(mainDir, 'ml-worker.js')
}
