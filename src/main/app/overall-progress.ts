// The engine's job counts as one figure a person can follow: photos, not jobs,
// with a total that does not grow as photos move from stage to stage, and the
// stages with work left listed under it.
import type { JobKind, JobProgress } from '../engine/types.ts'
import type { OverallProgress } from '../../shared/types.ts'

const phaseWords: [JobKind, string][] = [
  ['scan', 'Looking through folders'],
  ['ingest', 'Reading files'],
  ['thumbnail', 'Making previews'],
  ['embed', 'Understanding photos'],
  ['caption', 'Writing captions'],
]

const photos = (n: number, adjective = ''): string => `${n.toLocaleString('en')} ${adjective}${n === 1 ? 'photo' : 'photos'}`

export function overallProgress(p: JobProgress): OverallProgress | null {
  const left = (k: JobKind): number => p.byKind[k].queued + p.byKind[k].running
  const phases = phaseWords.filter(([k]) => left(k) > 0).map(([k, label]) => ({ label, left: left(k) }))
  if (phases.length === 0) return null
  const done = p.photos?.done ?? 0
  const total = p.photos?.total ?? 0
  const stages = p.photos?.stages ?? []
  const finding = left('scan') > 0
  const label =
    total === 0
      ? 'Looking for photos in your folders'
      : stages.includes('ingest')
        ? finding
          ? `Preparing ${photos(total)} found so far`
          : `Preparing ${photos(total, 'new ')}`
        : stages.every((k) => k === 'caption')
          ? `Captioning ${photos(total)}`
          : `Preparing ${photos(total)}`
  return { label, done, total, finding, etaSeconds: p.etaSeconds, phases }
}
