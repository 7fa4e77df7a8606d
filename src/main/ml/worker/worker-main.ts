// The ML worker process: hosts one InProcessMlService and answers calls from
// its parent (see [Note: ML worker protocol] in protocol.ts).
import os from 'node:os'
import { serializeError } from '../cancelled.ts'
import { createInProcessMlService } from '../pipeline/create-ml-service.ts'
import type { InProcessMlService } from '../pipeline/in-process-service.ts'
import { onParentMessage, sendToParent } from './parent-channel.ts'
import { toWorkerSchema, type FromWorker, type WorkerCall } from './protocol.ts'

// [Note: background priority] Captioning is background work, so the worker
// lowers its own priority before it starts any thread: ONNX Runtime's threads,
// made later, inherit it (on Linux a nice value is per thread). It can then use
// every core (the threads preference, app-prefs.ts) while the window, the
// engine's own work and the person's other programs still come first.
try {
  os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL)
} catch {
  // Refused by the system: captioning runs at normal priority.
}

let service: InProcessMlService | null = null
const running = new Map<number, AbortController>()

const send = (msg: FromWorker): void => sendToParent(msg)

async function dispatch(call: WorkerCall, signal: AbortSignal): Promise<unknown> {
  if (!service) throw new Error('ML worker is not initialised')
  switch (call.method) {
    case 'info':
      return service.info()
    case 'embedImages':
      return service.embedImages(call.args[0], signal)
    case 'embedTexts':
      return service.embedTexts(call.args[0], signal)
    case 'captionEmbeddings': {
      const o = call.args[1]
      return service.captionEmbeddings(
        call.args[0],
        { ...(o.method ? { method: o.method } : {}), ...(o.beamSize ? { beamSize: o.beamSize } : {}), ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}) },
        signal,
      )
    }
  }
}

onParentMessage(toWorkerSchema, 'ML worker', (msg) => {
  if (msg.type === 'init') {
    const o = msg.options
    createInProcessMlService({
      packDir: o.packDir,
      dataDir: o.dataDir,
      inProcess: true,
      ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
      ...(o.provider !== undefined ? { provider: o.provider } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(o.weights !== undefined ? { weights: o.weights } : {}),
      ...(o.batchSizes !== undefined ? { batchSizes: Object.fromEntries(Object.entries(o.batchSizes).filter(([, v]) => v !== undefined)) } : {}),
      log: (text) => send({ type: 'log', text }),
    }).then(
      (s) => {
        service = s
        send({ type: 'ready' })
      },
      (error: unknown) => send({ type: 'init-error', message: error instanceof Error ? error.message : String(error) }),
    )
    return
  }
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort()
    return
  }
  const ac = new AbortController()
  running.set(msg.id, ac)
  dispatch(msg.call, ac.signal)
    .then(
      (value) => send({ type: 'result', id: msg.id, value }),
      (error: unknown) => send({ type: 'error', id: msg.id, ...serializeError(error) }),
    )
    .finally(() => running.delete(msg.id))
})

process.on('disconnect', () => {
  void service?.close().finally(() => process.exit(0))
  if (!service) process.exit(0)
})
