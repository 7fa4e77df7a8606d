// Counting finished jobs for progress bars: done/total, a rate over the last
// few seconds (not since the start, so it follows the work actually running)
// and an ETA from that rate.
import type { JobKind, JobProgress } from '../types.ts'

const windowMs = 10_000

export class ProgressMeter {
  private done = 0
  private failedAtStart: number | null = null
  private marks: { t: number; n: number }[] = []
  private lastEmit = 0
  private photoTotal = 0
  private photosPending = 0
  private stages = new Set<JobKind>()

  constructor(private readonly now: () => number = Date.now) {}

  record(n: number): void {
    this.done += n
    const t = this.now()
    this.marks.push({ t, n })
    while (this.marks.length > 0 && this.marks[0]!.t < t - windowMs) this.marks.shift()
  }

  reset(): void {
    this.done = 0
    this.marks = []
    this.failedAtStart = null
    this.photoTotal = 0
    this.photosPending = 0
    this.stages.clear()
  }

  /**
   * Photos for the burst: the total rises only by photos newly pending (found
   * by a scan, a file appearing), so it does not grow under a person's eyes as
   * a photo moves from reading to captioning; done = total - pending. (A
   * photo finishing and another appearing between two snapshots, 200 ms
   * apart, cancel out: both figures stay a little low, never inconsistent.)
   */
  private photos(pending: number): { done: number; total: number } {
    if (pending > this.photosPending) this.photoTotal += pending - this.photosPending
    this.photosPending = pending
    return { done: this.photoTotal - pending, total: this.photoTotal }
  }

  shouldEmit(): boolean {
    const t = this.now()
    if (t - this.lastEmit < 200) return false
    this.lastEmit = t
    return true
  }

  rate(): number {
    const t = this.now()
    const recent = this.marks.filter((m) => m.t >= t - windowMs)
    if (recent.length === 0) return 0
    const span = Math.max(1000, t - recent[0]!.t)
    return (recent.reduce((s, m) => s + m.n, 0) / span) * 1000
  }

  snapshot(counts: Record<JobKind, { queued: number; running: number; failed: number }>, paused: boolean, pendingPhotos = 0): JobProgress {
    let pending = 0
    let failed = 0
    const byKind = {} as JobProgress['byKind']
    for (const [k, c] of Object.entries(counts) as [JobKind, { queued: number; running: number; failed: number }][]) {
      pending += c.queued + c.running
      failed += c.failed
      byKind[k] = { queued: c.queued, running: c.running }
      if (c.queued + c.running > 0) this.stages.add(k)
    }
    this.failedAtStart ??= failed
    const rate = this.rate()
    return {
      done: this.done,
      total: this.done + pending,
      failed: failed - this.failedAtStart,
      rate,
      etaSeconds: rate > 0 ? pending / rate : null,
      paused,
      byKind,
      photos: { ...this.photos(pendingPhotos), stages: [...this.stages] },
    }
  }
}
