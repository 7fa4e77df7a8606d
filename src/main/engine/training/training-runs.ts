// "Learn my style" behind the API: one training run at a time over the engine's
// library training (src/main/engine/training), its progress turned into the
// API's TrainingInfo (live loss points, rate, ETA), model versions with their
// scores, activation and revert. A cancelled run keeps its checkpoint, so
// starting again resumes it. The training itself runs in a child process
// (engine/training/training-process.ts), never in the process serving the
// interface: `photocap serve`'s backend and Electron's main process stay responsive.
import type { MethodOutput } from '../../../shared/api.ts'
import { ApiError } from '../../../shared/errors.ts'
import type { TrainingOptions } from '../../../shared/types.ts'
import type { Engine } from '../engine.ts'
import { isCancelled } from '../errors.ts'
import { teachingSummary, TooLittleDataError } from './library-training.ts'
import { continuousNotes, continuousRound, newTeachingCaptions, readContinuous, writeContinuous, type RoundOutcome } from './continuous.ts'
import { startTrainingProcess, type TrainedVersion, type TrainingChild, type TrainingProcessHandle } from './training-process.ts'
import type { TrainingChildOptions } from './training-protocol.ts'
import { activateVersion, getVersion, listVersions, revertActive, type ModelVersion } from './versions.ts'
import { resolveDefaultPack } from '../../ml/packs/default-pack.ts'

type Info = MethodOutput<'training.info'>
type Run = NonNullable<Info['run']>
type Score = Info['evaluation'] extends infer E ? (E extends { before: infer S } ? S : never) : never

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

interface Measured {
  val_loss?: unknown
  bleu4?: unknown
  cider_d?: unknown
  like_yours?: unknown
}
interface Metrics {
  held_out?: number
  old?: Measured
  new?: Measured
  samples?: { photo_id: number; reference: string; old: string; new: string }[]
  decision?: { text: string }
}

function versionOut(v: ModelVersion): Info['versions'][number] {
  const m = (v.metrics ?? {}) as Metrics
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

const score = (s: Measured | undefined): Score => ({
  likeYours: num(s?.like_yours) ?? 0,
  valLoss: num(s?.val_loss),
  bleu4: num(s?.bleu4) ?? 0,
  cider: num(s?.cider_d) ?? 0,
})

/** "9 of 10 of your held-out photos now read like yours (before training: 1 of 10)." */
export function evaluationSummary(heldOut: number, before: number, after: number): string {
  const photos = `of your ${heldOut} held-out photo${heldOut === 1 ? '' : 's'}`
  return `${after} ${photos} now read${after === 1 ? 's' : ''} like yours (before training: ${before} of ${heldOut}).`
}

function evaluationOut(v: ModelVersion | undefined): Info['evaluation'] {
  const m = (v?.metrics ?? null) as Metrics | null
  if (!v || !m?.old || !m.new) return null
  const heldOut = m.held_out ?? m.samples?.length ?? 0
  const before = score(m.old)
  const after = score(m.new)
  return { versionId: String(v.id), heldOut, summary: evaluationSummary(heldOut, before.likeYours, after.likeYours), before, after }
}

export interface TrainingRunsDeps {
  engine: Engine
  dataDir: string
  onChange: (info: Info) => void
  reloadMl: () => Promise<void>
  launch?: (entry: string) => TrainingChild
  /** How often the continuous-learning loop looks for new corrections (ms; 0: never on its own). */
  continuousEveryMs?: number
  /** Training overrides for background runs (tests). */
  continuousOptions?: Partial<TrainingChildOptions>
}

export function createTrainingRuns(deps: TrainingRunsDeps) {
  const { engine } = deps
  let run: Run | null = null
  let child: TrainingProcessHandle | null = null
  let lastEmit = 0
  let lastOptions: TrainingOptions = {}
  let pausing = false

  function info(): Info {
    const versions = listVersions(engine.db)
    const ready = versions.filter((v) => v.state === 'ready').sort((a, b) => b.createdAt - a.createdAt)
    const latest = ready[0]
    // The model before any training, measured on the held-out captions of the newest run that started from a pack (not a version).
    const trainedDirs = new Set(versions.map((v) => v.packDir))
    const fromPack = ready.find((v) => !trainedDirs.has(v.basePack))
    const packScore = fromPack ? ((fromPack.metrics ?? {}) as Metrics).old : undefined
    const pack = {
      id: 'pack',
      createdAt: new Date(0).toISOString(),
      label: 'Model pack (no training)',
      active: !versions.some((v) => v.active),
      valLoss: num(packScore?.val_loss),
      bleu4: num(packScore?.bleu4),
      cider: num(packScore?.cider_d),
    }
    const samples = (((latest?.metrics ?? null) as Metrics | null)?.samples ?? []).map((s) => ({
      photoId: s.photo_id,
      reference: s.reference,
      before: s.old,
      after: s.new,
    }))
    const teaching = teachingSummary(engine.db)
    const cont = readContinuous(engine.db)
    const lastDecision = continuousNotes(engine.db, 1)[0]?.text ?? null
    return {
      userCaptions: teaching.total,
      minimumCaptions: teaching.minimum,
      teaching: { user: teaching.user, reviewed: teaching.reviewed, imported: teaching.imported, minimumReason: teaching.minimumReason },
      run,
      versions: [pack, ...versions.map(versionOut)],
      samples,
      evaluation: evaluationOut(latest),
      continuous: { enabled: cont.enabled, minNew: cont.minNew, newSinceLast: newTeachingCaptions(engine.db), lastDecision },
    }
  }

  const emit = (force = false): void => {
    const now = Date.now()
    if (!force && now - lastEmit < 250) return
    lastEmit = now
    deps.onChange(info())
  }

  /** Start the training child; resolves with the trained version (rejects when it fails or is stopped). */
  function launch(options: TrainingOptions, basePack: string, extra: Partial<TrainingChildOptions> = {}): { runId: string; result: Promise<TrainedVersion> } {
    if (run?.state === 'running') throw new ApiError('conflict', 'a training run is already going')
    const id = `run-${Date.now()}`
    pausing = false
    run = {
      id,
      state: 'running',
      step: 0,
      totalSteps: 0,
      epoch: 0,
      samplesPerSecond: null,
      etaSeconds: null,
      points: [],
      error: null,
      provider: null,
      fallbackReason: null,
    }
    const current = run
    child = startTrainingProcess({
      dbPath: engine.db.path,
      ...(deps.launch ? { launch: deps.launch } : {}),
      options: {
        dataDir: deps.dataDir,
        basePack,
        // planTraining (ml/training/plan.ts) fills whatever the person left out.
        ...(options.init ? { init: options.init } : {}),
        ...(options.tuneGpt2 !== undefined ? { tuneGpt2: options.tuneGpt2 } : {}),
        ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
        ...(options.mapping ? { mapping: options.mapping } : {}),
        ...(options.prefixLength !== undefined ? { prefixLength: options.prefixLength } : {}),
        ...(options.learningRate ? { lr: options.learningRate } : {}),
        ...extra,
      },
      onProvider: (provider, reason) => {
        current.provider = provider
        current.fallbackReason = reason
        emit(true)
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
    const result = child.result.then(
      ({ version }) => {
        // The held-out loss was measured before (the starting model: the loss at step 0) and after the run.
        const m = (version.metrics ?? {}) as Metrics
        const pts = current.points
        if (pts.length) {
          if (pts[0]!.step === 0) pts[0] = { ...pts[0]!, valLoss: num(m.old?.val_loss) }
          pts[pts.length - 1] = { ...pts[pts.length - 1]!, valLoss: num(m.new?.val_loss) }
          current.points = [...pts]
        }
        current.state = 'done'
        current.etaSeconds = 0
        emit(true)
        return version
      },
      (error: unknown) => {
        const msg = error instanceof Error ? error.message : String(error)
        current.state = isCancelled(error) ? (pausing ? 'paused' : 'cancelled') : 'failed'
        current.error =
          current.state === 'failed'
            ? error instanceof TooLittleDataError || (error instanceof Error && error.name === 'TooLittleDataError')
              ? msg
              : `training failed: ${msg}`
            : null
        emit(true)
        throw error
      },
    )
    emit(true)
    return { runId: id, result }
  }

  /** One look at the continuous-learning loop (the timer calls it; tests call it directly). */
  async function continuousTick(): Promise<RoundOutcome> {
    const outcome = await continuousRound({
      db: engine.db,
      dataDir: deps.dataDir,
      busy: () => run?.state === 'running',
      train: async (basePack) => {
        const v = await launch({}, basePack, {
          name: `Learnt in the background ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
          ...deps.continuousOptions,
        }).result
        const full = getVersion(engine.db, v.id)
        if (!full) throw new Error(`model version ${v.id} vanished`)
        return full
      },
      reload: deps.reloadMl,
    })
    if (outcome.ran) emit(true)
    return outcome
  }

  let ticking = false
  const timer = deps.continuousEveryMs
    ? setInterval(() => {
        if (ticking) return
        ticking = true
        continuousTick()
          .catch(() => undefined) // a failed background run is recorded as a failed version; the loop goes on
          .finally(() => {
            ticking = false
          })
      }, deps.continuousEveryMs)
    : null
  timer?.unref?.()

  return {
    info,
    continuousTick,
    /** Activity's lines about background learning, newest first. */
    notes: () => continuousNotes(engine.db),
    setContinuous(s: { enabled: boolean; minNew?: number | undefined }): void {
      writeContinuous(engine.db, { enabled: s.enabled, ...(s.minNew !== undefined ? { minNew: s.minNew } : {}) })
      emit(true)
    },
    start(options: TrainingOptions): { runId: string } {
      lastOptions = options
      const basePack = engine.settings.get().activePack ?? resolveDefaultPack(deps.dataDir).dir
      const { runId, result } = launch(options, basePack)
      result.catch(() => undefined) // reported through run.state / run.error
      return { runId }
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
    /** Use a version ('pack': go back to the pack). Activation and revert are versions.ts's, atomic with settings.activePack. */
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
      if (timer) clearInterval(timer)
      child?.stop()
    },
  }
}
