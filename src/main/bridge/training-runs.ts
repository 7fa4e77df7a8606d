// "Learn my style" behind the API: one training run at a time over the engine's
// library training (src/main/engine/training), its progress turned into the
// API's TrainingInfo (live loss points, rate, ETA), model versions with their
// scores, activation and revert. A cancelled run keeps its checkpoint, so
// starting again resumes it. The training itself runs in a child process
// (engine/training/training-process.ts), never in the process serving the
// interface: `photocap serve`'s backend and Electron's main process stay responsive.
import type { MethodOutput } from '../../shared/api.ts'
import { ApiError } from '../../shared/errors.ts'
import type { TrainingOptions } from '../../shared/types.ts'
import type { Engine } from '../engine/engine.ts'
import { availableCaptions, LIBRARY_DEFAULTS, TooLittleDataError } from '../engine/training/library-training.ts'
import { startTrainingProcess, type TrainingChild, type TrainingProcessHandle } from '../engine/training/training-process.ts'
import { activateVersion, listVersions, revertActive, type ModelVersion } from '../engine/training/versions.ts'
import { resolveDefaultPack } from '../ml/packs/default-pack.ts'

type Info = MethodOutput<'training.info'>
type Run = NonNullable<Info['run']>

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function versionOut(v: ModelVersion): Info['versions'][number] {
  const m = (v.metrics ?? {}) as { new?: { val_loss?: unknown; bleu4?: unknown; cider_d?: unknown } }
  return {
    id: String(v.id),
    createdAt: new Date(v.createdAt).toISOString(),
    label: v.state === 'failed' ? `${v.name} (failed: ${v.error ?? 'unknown'})` : v.state === 'training' ? `${v.name} (unfinished)` : v.name,
    active: v.active,
    valLoss: num(m.new?.val_loss),
    bleu4: num(m.new?.bleu4),
    cider: num(m.new?.cider_d),
  }
}

export function createTrainingRuns(deps: { engine: Engine; dataDir: string; onChange: (info: Info) => void; reloadMl: () => Promise<void>; launch?: (entry: string) => TrainingChild }) {
  const { engine } = deps
  let run: Run | null = null
  let child: TrainingProcessHandle | null = null
  let lastEmit = 0
  let lastOptions: TrainingOptions = {}
  let pausing = false

  function info(): Info {
    const versions = listVersions(engine.db)
    const pack = { id: 'pack', createdAt: new Date(0).toISOString(), label: 'Model pack (no training)', active: !versions.some((v) => v.active), valLoss: null, bleu4: null, cider: null }
    const latest = versions.filter((v) => v.state === 'ready').sort((a, b) => b.createdAt - a.createdAt)[0]
    const samples = ((latest?.metrics as { samples?: { photo_id: number; reference: string; old: string; new: string }[] } | null)?.samples ?? []).map((s) => ({ photoId: s.photo_id, reference: s.reference, before: s.old, after: s.new }))
    return {
      userCaptions: availableCaptions(engine.db),
      minimumCaptions: LIBRARY_DEFAULTS.minTrain + LIBRARY_DEFAULTS.minValidation,
      run,
      versions: [pack, ...versions.map(versionOut)],
      samples,
    }
  }

  const emit = (force = false): void => {
    const now = Date.now()
    if (!force && now - lastEmit < 250) return
    lastEmit = now
    deps.onChange(info())
  }

  return {
    info,
    start(options: TrainingOptions): { runId: string } {
      if (run?.state === 'running') throw new ApiError('conflict', 'a training run is already going')
      const basePack = engine.settings.get().activePack ?? resolveDefaultPack(deps.dataDir).dir
      const id = `run-${Date.now()}`
      lastOptions = options
      pausing = false
      run = { id, state: 'running', step: 0, totalSteps: 0, epoch: 0, samplesPerSecond: null, etaSeconds: null, points: [], error: null }
      const current = run
      child = startTrainingProcess({
        dbPath: engine.db.path,
        ...(deps.launch ? { launch: deps.launch } : {}),
        options: {
          dataDir: deps.dataDir,
          basePack,
          init: options.init ?? 'pack',
          tuneGpt2: options.tuneGpt2 ?? false,
          epochs: options.epochs ?? LIBRARY_DEFAULTS.epochs,
          ...(options.mapping ? { mapping: options.mapping } : {}),
          ...(options.learningRate ? { lr: options.learningRate } : {}),
        },
        onProgress: (p) => {
          current.step = p.step
          current.totalSteps = p.steps
          current.epoch = p.epoch
          current.samplesPerSecond = p.samples_per_s
          current.etaSeconds = p.etaSeconds
          current.points = [...current.points, { step: p.step, loss: p.loss, valLoss: null }].slice(-500)
          emit()
        },
      })
      void child.result.then(
        () => {
          current.state = 'done'
          current.etaSeconds = 0
          emit(true)
        },
        (error: unknown) => {
          const msg = error instanceof Error ? error.message : String(error)
          current.state = /cancelled/.test(msg) ? (pausing ? 'paused' : 'cancelled') : 'failed'
          current.error = current.state === 'failed' ? (error instanceof TooLittleDataError ? msg : `training failed: ${msg}`) : null
          emit(true)
        },
      )
      emit(true)
      return { runId: id }
    },
    /** Stop now, keeping the checkpoint; `resume` continues from it. */
    pause(): void {
      if (!child || run?.state !== 'running') throw new ApiError('conflict', 'no training run is going')
      pausing = true
      child.stop()
    },
    resume(): { runId: string } {
      if (run?.state !== 'paused') throw new ApiError('conflict', 'no paused training run')
      return this.start(lastOptions)
    },
    cancel(): void {
      if (run?.state === 'paused') {
        run.state = 'cancelled'
        emit(true)
        return
      }
      if (!child || run?.state !== 'running') throw new ApiError('conflict', 'no training run is going')
      pausing = false
      child.stop()
    },
    async activate(versionId: string): Promise<void> {
      if (versionId === 'pack') {
        if (listVersions(engine.db).some((v) => v.active)) revertActive(engine.db)
      } else {
        const id = Number(versionId)
        const v = listVersions(engine.db).find((x) => x.id === id)
        if (!v) throw new ApiError('not_found', `no model version ${versionId}`)
        if (v.state !== 'ready') throw new ApiError('conflict', `model version ${v.name} is not ready (${v.state})`)
        activateVersion(engine.db, id)
      }
      await deps.reloadMl()
      emit(true)
    },
    close(): void {
      child?.stop()
    },
  }
}
