import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleActivity, sampleModels, sampleTraining } from '../../../shared/api-samples.ts'
import type { Activity, OverallProgress } from '../../../shared/types.ts'
import { progressHeadline } from '../lib/state/activity.svelte.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

const overall = (over: Partial<OverallProgress> = {}): OverallProgress => ({
  label: 'Preparing 60 new photos',
  done: 41,
  total: 60,
  finding: false,
  etaSeconds: 30,
  phases: [
    { label: 'Understanding photos', left: 7 },
    { label: 'Writing captions', left: 19 },
  ],
  ...over,
})
const withOverall = (o: OverallProgress | null): Activity => ({ ...sampleActivity, overall: o })

describe('one overall progress figure', () => {
  it('reads "Preparing 60 new photos: 41 of 60" in the top bar and in Activity, with the stages below', async () => {
    const fake = new FakeTransport().reply('jobs.activity', withOverall(overall()))
    await renderApp(fake)
    const status = screen.getByRole('button', { name: 'Progress: Preparing 60 new photos: 41 of 60 · 30 s left' })
    expect(status.textContent).toContain('Preparing 60 new photos: 41 of 60')
    await fireEvent.click(status)
    const bar = await screen.findByRole('progressbar', { name: 'Preparing 60 new photos' })
    expect([bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-valuemax')]).toEqual(['41', '60'])
    const stages = within(screen.getByRole('list', { name: 'Stages' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim())
    expect(stages).toEqual(['Understanding photos 7 to go', 'Writing captions 19 to go'])
    // The job-level bar ("Captioning 40 of 100") is not shown beside it: one figure.
    expect(screen.queryByRole('progressbar', { name: 'Captioning' })).toBeNull()
    fake.emit('jobs.progressed', withOverall(overall({ done: 50 })))
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('50'))
    expect(bar.getAttribute('aria-valuemax')).toBe('60')
  })

  it('says the total may still rise while folders are looked through', async () => {
    await renderApp(
      new FakeTransport().reply('jobs.activity', withOverall(overall({ label: 'Preparing 12 photos found so far', done: 0, total: 12, finding: true }))),
    )
    await fireEvent.click(screen.getByRole('button', { name: /^Activity/ }))
    expect(await screen.findByText(/more photos may be added/)).toBeTruthy()
  })

  it('shows a pack download and a training run in Activity too', async () => {
    const fake = new FakeTransport()
      .reply('jobs.activity', withOverall(null))
      .reply('models.info', {
        ...sampleModels,
        install: { packId: 'coco-mlp', receivedBytes: 300_000_000, totalBytes: 1_200_000_000, state: 'running', error: null },
      })
      .reply('training.info', {
        ...sampleTraining,
        run: {
          id: 'r1',
          state: 'running',
          step: 0,
          totalSteps: 240,
          epoch: 0,
          samplesPerSecond: null,
          etaSeconds: null,
          points: [],
          error: null,
          provider: null,
          fallbackReason: null,
        },
      })
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Activity/ }))
    expect((await screen.findByRole('progressbar', { name: 'Downloading ClipCap COCO (MLP)' })).getAttribute('aria-valuenow')).toBe('25')
    expect(screen.getByRole('progressbar', { name: 'Learning your style' }).getAttribute('aria-valuetext')).toBe('Step 0 of 240')
  })
})

describe('progress headline', () => {
  it('uses the overall figure, else the largest job (an older engine), else nothing', () => {
    expect(progressHeadline(overall({ done: 1234, total: 5000, label: 'Preparing 5,000 new photos' }), null)).toBe('Preparing 5,000 new photos: 1,234 of 5,000')
    expect(progressHeadline(overall({ label: 'Looking for photos in your folders', done: 0, total: 0 }), null)).toBe('Looking for photos in your folders…')
    expect(progressHeadline(null, sampleActivity.jobs[0]!)).toBe('Captioning: 40 of 100')
    expect(progressHeadline(null, null)).toBeNull()
  })
})
