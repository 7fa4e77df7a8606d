import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleActivity, sampleModels, sampleOutputs, samplePhoto, sampleTraining } from '../../../shared/api-samples.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'
import type { TrainingInfo } from '../../../shared/types.ts'

describe('search', () => {
  it('searches as you type in the field labelled Search, with highlighted matches', async () => {
    const { fake } = await renderApp()
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    const results = await screen.findByRole('list', { name: 'Search results' })
    expect(await within(results).findAllByRole('img')).toHaveLength(1)
    expect(results.querySelector('mark')?.textContent).toBe('dog')
    expect(fake.callsOf('search.query')).toEqual([{ text: 'dog', filter: {}, limit: 200 }])
  })

  it('applies filters and asks again', async () => {
    const { fake } = await renderApp()
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await screen.findByRole('list', { name: 'Search results' })
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Only my captions' }))
    await waitFor(() => expect(fake.callsOf('search.query').at(-1)).toEqual({ text: 'dog', filter: { hasUserCaption: true }, limit: 200 }))
  })

  it('asks again while meaning results are still loading', async () => {
    const fake = new FakeTransport()
    let n = 0
    fake.reply('search.query', () => ({ hits: sampleOutputs['search.query'].hits, meaningPending: n++ === 0 }))
    await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'beach' } })
    await waitFor(() => expect(fake.callsOf('search.query').length).toBe(2), { timeout: 3000 })
  })

  it('shows "more like this" from the photo view', async () => {
    const { fake, model } = await renderApp()
    await model.photo.open(1)
    await fireEvent.click(await screen.findByRole('button', { name: /More like this/ }))
    expect(await screen.findByRole('heading', { name: /Photos like IMG_0001\.jpg/ })).toBeTruthy()
    expect(fake.callsOf('search.similar')).toEqual([{ photoId: 1, limit: 200 }])
  })
})

describe('activity', () => {
  it('shows live progress with counts, rate and ETA, and failures with reasons', async () => {
    const { fake } = await renderApp()
    await fireEvent.click(screen.getByRole('button', { name: /^Activity/ }))
    const bar = await screen.findByRole('progressbar', { name: 'Captioning' })
    expect(bar.getAttribute('aria-valuenow')).toBe('40')
    const main = within(screen.getByRole('main'))
    expect(main.getByText(/40 of 100/)).toBeTruthy()
    expect(main.getByText(/4\.5 photos\/s · 13 s left/)).toBeTruthy()
    // The reason in plain words by the step that failed; the decoder's own words behind a disclosure.
    const reason = main.getByText(/This file is damaged or incomplete \(tried 3 times\)/)
    expect(reason.closest('td')).toBeTruthy()
    const technical = within(reason.closest('td')!).getByText('Input file is truncated')
    expect(technical.closest('details')?.querySelector('summary')?.textContent).toBe('Technical reason')
    fake.emit('jobs.progressed', { ...sampleActivity, jobs: [{ ...sampleActivity.jobs[0]!, done: 90 }] })
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('90'))
  })

  it('pauses, resumes, cancels and retries', async () => {
    const fake = new FakeTransport()
    let paused = false
    fake.reply('jobs.activity', () => ({ ...sampleActivity, state: paused ? 'paused' : 'running' }))
    fake.reply('jobs.pause', () => ((paused = true), { ok: true }))
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Activity/ }))
    await fireEvent.click(await screen.findByRole('button', { name: 'Pause' }))
    await fireEvent.click(await screen.findByRole('button', { name: 'Resume' }))
    await fireEvent.click(screen.getByRole('button', { name: 'Retry broken.jpg' }))
    await waitFor(() => expect(fake.callsOf('jobs.retry')).toEqual([{ photoIds: [3] }]))
    expect(fake.callsOf('jobs.pause')).toHaveLength(1)
    expect(fake.callsOf('jobs.resume')).toHaveLength(1)
  })

  it('announces progress to screen readers', async () => {
    await renderApp()
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Captioning: 40 of 100 done.'))
  })
})

describe('welcome', () => {
  it('explains what happens, picks a folder with the folder browser, shows the pack size and processor', async () => {
    const fake = new FakeTransport()
    fake.reply('app.info', { ...sampleOutputs['app.info'], firstRun: true })
    fake.reply('roots.list', [])
    await renderApp(fake)
    expect(screen.getByRole('heading', { name: 'Welcome to Photocap' })).toBeTruthy()
    expect(screen.getByText(/Everything happens on this device/)).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Download ClipCap COCO (MLP) (1.1 GB to 2.1 GB)' })).toBeTruthy()
    expect(screen.getByText('Processor: using the CPU.')).toBeTruthy()

    await fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Choose a folder' })
    await fireEvent.click(within(dialog).getByRole('button', { name: /holiday/ }))
    await waitFor(() => expect(fake.callsOf('folders.browse').at(-1)).toEqual({ path: '/photos/holiday' }))
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Use this folder' }))
    await waitFor(() => expect(fake.callsOf('roots.add')).toEqual([{ path: '/photos' }]))
  })

  it('installs a pack with progress and cancel', async () => {
    const fake = new FakeTransport()
    fake.reply('app.info', { ...sampleOutputs['app.info'], firstRun: true })
    const { model } = await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /Download ClipCap/ }))
    expect(fake.callsOf('models.install')).toEqual([{ packId: 'coco-mlp' }])
    fake.emit('models.progressed', {
      ...sampleModels,
      install: { packId: 'coco-mlp', receivedBytes: 300_000_000, totalBytes: 1_200_000_000, state: 'running', error: null },
    })
    const bar = await screen.findByRole('progressbar', { name: 'Downloading ClipCap COCO (MLP)' })
    expect(bar.getAttribute('aria-valuenow')).toBe('25')
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(fake.callsOf('models.cancelInstall')).toHaveLength(1)
    void model
  })
})

describe('settings', () => {
  it('changes decoding and shows the provider in use and where data lives', async () => {
    const { fake } = await renderApp()
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    await fireEvent.click(await screen.findByRole('radio', { name: /Careful/ }))
    await waitFor(() => expect(fake.callsOf('settings.update')).toEqual([{ decoding: { method: 'beam' } }]))
    expect(screen.getByText('/data/library.db')).toBeTruthy()
    expect(screen.getByRole('combobox', { name: 'Run captioning on' })).toBeTruthy()
    expect(screen.getByRole('textbox', { name: 'Files to skip in /photos' })).toBeTruthy()
  })
})

describe('training', () => {
  it('says how many captions are needed and will not start without them', async () => {
    await renderApp()
    await fireEvent.click(screen.getByRole('button', { name: /^Training/ }))
    expect(await screen.findByText(/write or correct 8 more/)).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Start training' }) as HTMLButtonElement).disabled).toBe(true)
  })

  it('starts, shows the live loss plot, compares versions and activates one', async () => {
    const fake = new FakeTransport()
    fake.reply('training.info', { ...sampleTraining, userCaptions: 40 })
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Training/ }))
    const start = await screen.findByRole('button', { name: 'Start training' })
    const progressed: TrainingInfo = {
      ...sampleTraining,
      userCaptions: 40,
      run: {
        id: 'r1',
        state: 'running',
        step: 20,
        totalSteps: 100,
        epoch: 2,
        samplesPerSecond: 12,
        etaSeconds: 40,
        error: null,
        provider: 'cpu',
        fallbackReason: null,
        points: [
          { step: 10, loss: 3.2, valLoss: 3.4 },
          { step: 20, loss: 2.5, valLoss: 2.9 },
        ],
      },
      versions: [
        { id: 'pack', createdAt: '2024-05-01T00:00:00Z', label: 'Pack model', active: true, valLoss: 3.4, bleu4: 0.1, cider: 0.3 },
        { id: 'v2', createdAt: '2024-05-02T00:00:00Z', label: 'My style 1', active: false, valLoss: 2.9, bleu4: 0.2, cider: 0.5 },
      ],
    }
    // What the engine says from now on, whether asked or pushed.
    fake.reply('training.info', progressed)
    await fireEvent.click(start)
    expect(fake.callsOf('training.start')).toEqual([{}]) // the engine's planTraining picks the settings
    fake.emit('training.progressed', progressed)
    expect(await screen.findByRole('img', { name: /training loss 2\.500, validation loss 2\.900 at step 20/ })).toBeTruthy()
    // Switching asks first; Cancel does nothing and gives focus back.
    await fireEvent.click(screen.getByRole('button', { name: 'Use My style 1' }))
    expect(fake.callsOf('training.activate')).toEqual([])
    expect(await screen.findByRole('group', { name: /^Use My style 1 for new captions\? Automatic captions nobody reviewed are rewritten/ })).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(fake.callsOf('training.activate')).toEqual([])
    await fireEvent.click(await screen.findByRole('button', { name: 'Use My style 1' }))
    await fireEvent.click(await screen.findByRole('button', { name: 'Use it' }))
    expect(fake.callsOf('training.activate')).toEqual([{ versionId: 'v2' }])
    void samplePhoto
  })

  it('asks before going back to the pack model and before cancelling a training run', async () => {
    const fake = new FakeTransport()
    fake.reply('training.info', {
      ...sampleTraining,
      userCaptions: 40,
      run: {
        id: 'r1',
        state: 'running',
        step: 20,
        totalSteps: 100,
        epoch: 2,
        samplesPerSecond: 12,
        etaSeconds: 40,
        error: null,
        provider: 'cpu',
        fallbackReason: null,
        points: [],
      },
      versions: [
        { id: 'pack', createdAt: '2024-05-01T00:00:00Z', label: 'Pack model', active: false, valLoss: 3.4, bleu4: 0.1, cider: 0.3 },
        { id: 'v2', createdAt: '2024-05-02T00:00:00Z', label: 'My style 1', active: true, valLoss: 2.9, bleu4: 0.2, cider: 0.5 },
      ],
    })
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Training/ }))
    await fireEvent.click(await screen.findByRole('button', { name: 'Use Pack model' }))
    expect(await screen.findByRole('group', { name: /^Go back to Pack model, the model before your training\?/ })).toBeTruthy()
    expect(fake.callsOf('training.activate')).toEqual([])
    await fireEvent.click(screen.getByRole('button', { name: 'Go back to it' }))
    expect(fake.callsOf('training.activate')).toEqual([{ versionId: 'pack' }])
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel training' }))
    expect(fake.callsOf('training.cancel')).toEqual([])
    await fireEvent.click(await screen.findByRole('button', { name: 'Stop training' }))
    expect(fake.callsOf('training.cancel')).toEqual([{}])
  })

  it('says which captions teach, the result in words with metrics behind a disclosure (both rows), the provider, and the keep-learning setting', async () => {
    const fake = new FakeTransport()
    const row = (likeYours: number, valLoss: number) => ({ likeYours, valLoss, bleu4: 0.2, cider: 0.9 })
    fake.reply('training.info', {
      ...sampleTraining,
      userCaptions: 40,
      teaching: { user: 36, reviewed: 4, imported: 3, minimumReason: '16 to learn from and 4 kept aside to check the result' },
      run: {
        id: 'r1',
        state: 'done',
        step: 59,
        totalSteps: 60,
        epoch: 11,
        samplesPerSecond: 30,
        etaSeconds: 0,
        error: null,
        provider: 'cpu',
        fallbackReason: 'cuda failed: CUDA provider library not installed',
        points: [],
      },
      evaluation: {
        versionId: '2',
        heldOut: 10,
        summary: '9 of your 10 held-out photos now read like yours (before training: 0 of 10).',
        before: row(0, 1.35),
        after: row(9, 0.41),
      },
    })
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Training/ }))
    await screen.findByText('9 of your 10 held-out photos now read like yours (before training: 0 of 10).')
    const text = document.body.textContent!.replace(/\s+/g, ' ')
    expect(text).toMatch(
      /40 captions can teach the captioning model your style: 36 you wrote or corrected and 4 automatic captions you reviewed and accepted\./,
    )
    expect(text).toMatch(/3 captions imported from the files' own metadata \(camera and agency text\) are never used to teach/)
    expect(screen.getByText('9 of your 10 held-out photos now read like yours (before training: 0 of 10).')).toBeTruthy()
    expect(screen.getByText(/Training on the CPU\. The accelerator could not be used: cuda failed/)).toBeTruthy()
    const metrics = screen.getByText('Metrics').closest('details')!
    expect(metrics.open).toBe(false)
    expect(within(metrics).getByRole('rowheader', { name: 'Before training' }).parentElement!.textContent).toMatch(/0 of 10.*1\.350/)
    expect(within(metrics).getByRole('rowheader', { name: 'After training' }).parentElement!.textContent).toMatch(/9 of 10.*0\.410/)
    const keep = screen.getByRole('checkbox', { name: 'Keep learning from my corrections' }) as HTMLInputElement
    expect(keep.checked).toBe(false)
    await fireEvent.click(keep)
    await waitFor(() => expect(fake.callsOf('training.continuous')).toEqual([{ enabled: true }]))
  })
})

describe('export', () => {
  it('exports the search result as XMP sidecars to a chosen folder', async () => {
    const { fake } = await renderApp()
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await within(await screen.findByRole('list', { name: 'Search results' })).findAllByRole('img')
    await fireEvent.click(screen.getByRole('button', { name: 'Export alt text…' }))
    await fireEvent.change(screen.getByRole('combobox', { name: 'Format' }), { target: { value: 'xmp' } })
    await fireEvent.click(screen.getByRole('button', { name: /^Export 1 to a folder/ }))
    const dialog = await screen.findByRole('dialog', { name: 'Choose a folder' })
    await within(dialog).findByRole('list', { name: 'Folders in /photos' })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Use this folder' }))
    await waitFor(() => expect(fake.callsOf('export.run')).toEqual([{ format: 'xmp', photoIds: [1], outDir: '/photos', sidecarNaming: 'photo.jpg.xmp' }]))
    expect(await screen.findByText(/Exported 3 captions to \/tmp\/out\/captions\.csv/)).toBeTruthy()
  })
})
