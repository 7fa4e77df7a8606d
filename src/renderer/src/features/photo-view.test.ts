import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { samplePhotoDetail, sampleCaption } from '../../../shared/api-samples.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

async function openPhoto(fake = new FakeTransport()) {
  const r = await renderApp(fake)
  await r.model.photo.open(1)
  await screen.findByRole('textbox', { name: 'Caption' })
  return r
}

describe('photo view', () => {
  it('shows the caption with its provenance in an editor labelled Caption', async () => {
    await openPhoto()
    const editor = screen.getByRole('textbox', { name: 'Caption' }) as HTMLTextAreaElement
    expect(editor.value).toBe(sampleCaption.text)
    expect(screen.getByText(/Automatic · tiny-1 · greedy/)).toBeTruthy()
    expect(screen.getByRole('img', { name: sampleCaption.text })).toBeTruthy()
    expect(screen.getByText('Canon EOS 5D')).toBeTruthy()
  })

  it('saves an edit as a user caption', async () => {
    const fake = new FakeTransport()
    let saved = false
    fake.reply('photos.get', () =>
      saved
        ? samplePhotoDetail(1, {
            caption: 'Rex on the beach.',
            provenance: 'user',
            captionInfo: { text: 'Rex on the beach.', provenance: 'user', modelId: null, decoding: null, createdAt: '2024-05-02T10:00:00.000Z' },
            history: [sampleCaption],
          })
        : samplePhotoDetail(1),
    )
    fake.reply('captions.set', (input) => {
      saved = true
      return { text: input.text, provenance: 'user', modelId: null, decoding: null, createdAt: '2024-05-02T10:00:00.000Z' }
    })
    await openPhoto(fake)
    const editor = screen.getByRole('textbox', { name: 'Caption' })
    const save = screen.getByRole('button', { name: /Save caption/ }) as HTMLButtonElement
    expect(save.disabled).toBe(true)
    await fireEvent.input(editor, { target: { value: 'Rex on the beach.' } })
    expect(save.disabled).toBe(false)
    await fireEvent.click(save)
    await waitFor(() => expect(screen.getByText(/Written by you/)).toBeTruthy())
    expect(fake.callsOf('captions.set')).toEqual([{ photoId: 1, text: 'Rex on the beach.' }])
    expect(screen.getByRole('button', { name: 'Restore automatic caption' })).toBeTruthy()
    expect(screen.getByRole('status').textContent).toBe('Caption saved as yours.')
  })

  it('saves with Ctrl+Enter', async () => {
    const { fake } = await openPhoto()
    const editor = screen.getByRole('textbox', { name: 'Caption' }) as HTMLTextAreaElement
    await fireEvent.input(editor, { target: { value: 'Kept.' } })
    await fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true })
    await waitFor(() => expect(fake.callsOf('captions.set')).toEqual([{ photoId: 1, text: 'Kept.' }]))
  })

  it('regenerates with beam search and restores the automatic caption', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', samplePhotoDetail(1, { provenance: 'user', caption: 'Mine.' }))
    await openPhoto(fake)
    await fireEvent.change(screen.getByRole('combobox', { name: 'Decoding' }), { target: { value: 'beam' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Regenerate' }))
    await waitFor(() => expect(fake.callsOf('captions.regenerate')).toEqual([{ photoId: 1, decoding: { method: 'beam' } }]))
    await waitFor(() => expect((screen.getByRole('button', { name: 'Restore automatic caption' }) as HTMLButtonElement).disabled).toBe(false))
    await fireEvent.click(screen.getByRole('button', { name: 'Restore automatic caption' }))
    await waitFor(() => expect(fake.callsOf('captions.restore')).toEqual([{ photoId: 1 }]))
  })

  it('navigates between photos with the arrow keys and returns with Escape', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg` }))
    fake.reply('photos.neighbours', ({ id }) => ({ previous: id > 1 ? id - 1 : null, next: id + 1 }))
    const { model } = await openPhoto(fake)
    const heading = screen.getByRole('heading', { level: 1, name: 'IMG_1.jpg' })
    await fireEvent.keyDown(heading, { key: 'ArrowRight' })
    await screen.findByRole('heading', { level: 1, name: 'IMG_2.jpg' })
    await fireEvent.keyDown(screen.getByRole('heading', { level: 1, name: 'IMG_2.jpg' }), { key: 'ArrowLeft' })
    await screen.findByRole('heading', { level: 1, name: 'IMG_1.jpg' })
    await fireEvent.keyDown(screen.getByRole('heading', { level: 1, name: 'IMG_1.jpg' }), { key: 'Escape' })
    await waitFor(() => expect(model.photo.id).toBeNull())
  })

  it('says a file that could not be read is damaged or incomplete, the reason behind a disclosure, and asks for no image', async () => {
    const fake = new FakeTransport()
    fake.reply(
      'photos.get',
      samplePhotoDetail(3, { status: 'failed', error: 'Input file is truncated', caption: null, captionInfo: null, provenance: null, hasImage: false }),
    )
    await openPhoto(fake)
    expect(screen.getByRole('heading', { name: 'This file is damaged or incomplete' })).toBeTruthy()
    const reason = screen.getByText('Input file is truncated')
    expect(reason.closest('details')?.querySelector('summary')?.textContent).toBe('Technical reason')
    expect(screen.getByRole('img', { name: 'IMG_0003.jpg: could not be read' }).tagName).not.toBe('IMG')
    expect(document.querySelector('.stage img')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Show in folder' })).toBeNull()
  })

  it('retries a file that could not be read and shows it again', async () => {
    const fake = new FakeTransport()
    let retried = false
    fake.reply('photos.get', () =>
      retried
        ? samplePhotoDetail(1, { status: 'queued', caption: null, captionInfo: null, provenance: null })
        : samplePhotoDetail(1, { status: 'failed', error: 'Input file is truncated', caption: null, captionInfo: null, provenance: null, hasImage: false }),
    )
    fake.reply('jobs.retry', () => {
      retried = true
      return { queued: 1 }
    })
    await openPhoto(fake)
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'This file is damaged or incomplete' })).toBeNull())
    expect(fake.callsOf('jobs.retry')).toEqual([{ photoIds: [1] }])
  })

  it('shows the placeholder, not a broken image, when an image fails to load', async () => {
    await openPhoto()
    const img = document.querySelector('.stage img')!
    await fireEvent.error(img)
    await waitFor(() => expect(document.querySelector('.stage img')).toBeNull())
    expect(screen.getByRole('img', { name: /could not be read/ })).toBeTruthy()
  })
})

describe('photo view: a larger photo', () => {
  it('asks for a preview sized to the stage, and for more pixels when zoomed in with + and back with - and 0', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', samplePhotoDetail(1, { width: 5640, height: 3760 }))
    await openPhoto(fake)
    const img = (): HTMLImageElement => document.querySelector('.stage img') as HTMLImageElement
    // Fitted: a size bucket for the stage (the test DOM's stage is 1000 px wide), far below the photo's 5640.
    expect(img().getAttribute('src')).toMatch(/^test-img:\/\/preview\/1\?w=(960|1600)$/)
    expect(screen.getByRole('button', { name: /^Fit \(\d+ % of the real size\)$/ })).toBeTruthy()
    await fireEvent.keyDown(document.body, { key: '+' })
    await waitFor(() => expect(screen.getByRole('button', { name: '25 %, fit to the screen' })).toBeTruthy())
    expect(img().getAttribute('src')).toBe('test-img://preview/1?w=1600')
    await fireEvent.keyDown(document.body, { key: '+' })
    await fireEvent.keyDown(document.body, { key: '+' })
    await waitFor(() => expect(img().getAttribute('src')).toBe('test-img://preview/1?w=5640'))
    expect(img().style.width).toBe('5640px')
    await fireEvent.keyDown(document.body, { key: '-' })
    await waitFor(() => expect(screen.getByRole('button', { name: '50 %, fit to the screen' })).toBeTruthy())
    // Escape first leaves the zoom, and only then the photo.
    await fireEvent.keyDown(document.body, { key: 'Escape' })
    await waitFor(() => expect(screen.getByRole('button', { name: /^Fit \(\d+ % of the real size\)$/ })).toBeTruthy())
    expect(screen.getByRole('heading', { level: 1, name: 'IMG_0001.jpg' })).toBeTruthy()
  })

  it('folds the details panel away for a larger photo and remembers it', async () => {
    localStorage.removeItem('photocap.layout.photoPanel')
    const r = await openPhoto()
    const toggle = screen.getByRole('button', { name: 'Hide details' })
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect(toggle.getAttribute('aria-controls')).toBe('photo-panel')
    await fireEvent.click(toggle)
    expect(screen.getByRole('button', { name: 'Show details' }).getAttribute('aria-expanded')).toBe('false')
    expect(document.getElementById('photo-panel')!.hidden).toBe(true)
    expect(localStorage.getItem('photocap.layout.photoPanel')).toBe('0')
    r.model.photo.close()
    localStorage.removeItem('photocap.layout.photoPanel')
  })
})
