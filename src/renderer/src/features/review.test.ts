import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { samplePhotoDetail } from '../../../shared/api-samples.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

function reviewBackend(): FakeTransport {
  const fake = new FakeTransport()
  fake.reply('review.queue', { ids: [1, 2, 3], reviewed: 38, total: 41 })
  fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg`, caption: `Automatic caption ${id}.` }))
  return fake
}

const editor = (): HTMLTextAreaElement => screen.getByRole('textbox', { name: 'Caption' }) as HTMLTextAreaElement
const showing = async (id: number): Promise<void> => {
  await waitFor(() => expect(editor().value).toBe(`Automatic caption ${id}.`))
}

describe('review flow', () => {
  it('shows the queue one photo at a time with progress; Enter accepts and moves on', async () => {
    const fake = reviewBackend()
    await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: /^Review/ }))
    await screen.findByRole('heading', { level: 1, name: 'Review captions' })
    await showing(1)
    expect(screen.getByText('38 of 41 reviewed')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(editor()))
    await fireEvent.keyDown(editor(), { key: 'Enter' })
    await showing(2)
    expect(fake.callsOf('captions.accept')).toEqual([{ photoId: 1 }])
    expect(screen.getByText('39 of 41 reviewed')).toBeTruthy()
    expect(window.location.hash).toBe('#/review/2')
  })

  it('an edit then Enter saves the words as yours; Page Down skips and Page Up goes back', async () => {
    const fake = reviewBackend()
    const { model } = await renderApp(fake)
    model.app.go('review')
    await showing(1)
    await fireEvent.keyDown(editor(), { key: 'PageDown' })
    await showing(2)
    await fireEvent.keyDown(editor(), { key: 'PageUp' })
    await showing(1)
    await fireEvent.input(editor(), { target: { value: 'Two boats at dawn.' } })
    expect(screen.getByRole('button', { name: 'Save and accept' })).toBeTruthy()
    await fireEvent.keyDown(editor(), { key: 'Enter' })
    await waitFor(() => expect(fake.callsOf('captions.set')).toEqual([{ photoId: 1, text: 'Two boats at dawn.' }]))
    expect(fake.callsOf('captions.accept')).toEqual([])
    await showing(2)
    expect(model.review.reviewed).toBe(39)
  })

  it('while the next photo loads, the editor is read-only, so typing never lands on the photo leaving', async () => {
    const fake = reviewBackend()
    let release = (): void => {}
    fake.reply('photos.get', ({ id }) => {
      const detail = samplePhotoDetail(id, { name: `IMG_${id}.jpg`, caption: `Automatic caption ${id}.` })
      return id === 1 ? detail : new Promise((resolve) => (release = () => resolve(detail)))
    })
    const { model } = await renderApp(fake)
    model.app.go('review')
    await showing(1)
    expect(editor().readOnly).toBe(false)
    await fireEvent.keyDown(editor(), { key: 'Enter' })
    await waitFor(() => expect(editor().readOnly).toBe(true))
    expect(editor().getAttribute('aria-busy')).toBe('true')
    release()
    await showing(2)
    expect(editor().readOnly).toBe(false)
  })

  it('says when everything is reviewed', async () => {
    const fake = new FakeTransport()
    fake.reply('review.queue', { ids: [], reviewed: 5, total: 5 })
    const { model } = await renderApp(fake)
    model.app.go('review')
    await screen.findByRole('heading', { name: 'Every caption is reviewed' })
    expect(screen.getByText('5 of 5 reviewed')).toBeTruthy()
  })

  it('accepts the captions of a selection in bulk from the library', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    model.selection.toggle(1, 0)
    model.selection.toggle(2, 1)
    await fireEvent.click(await screen.findByRole('button', { name: 'Accept captions' }))
    await waitFor(() => expect(fake.callsOf('captions.acceptMany')).toEqual([{ photoIds: [1, 2] }]))
  })
})

describe('library filters', () => {
  it('filter the grid by caption kind, camera and dates, and the review queue uses the same filter', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    await fireEvent.change(await screen.findByRole('combobox', { name: 'Show' }), { target: { value: 'reviewed' } })
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: { caption: 'reviewed' }, order: 'newest' }))
    await fireEvent.change(screen.getByRole('combobox', { name: 'Show' }), { target: { value: 'failed' } })
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: { status: 'failed' }, order: 'newest' }))
    await fireEvent.change(screen.getByRole('textbox', { name: 'Camera' }), { target: { value: 'fuji' } })
    await fireEvent.change(screen.getByLabelText('From'), { target: { value: '2019-07-01' } })
    await waitFor(() =>
      expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: { status: 'failed', camera: 'fuji', from: '2019-07-01' }, order: 'newest' }),
    )
    model.app.go('review')
    await waitFor(() => expect(fake.callsOf('review.queue').at(-1)).toEqual({ filter: { status: 'failed', camera: 'fuji', from: '2019-07-01' } }))
    await fireEvent.click(screen.getByRole('button', { name: 'Library' }))
    await waitFor(async () => {
      await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
      expect(model.library.filter).toEqual({})
    })
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: {}, order: 'newest' }))
  })

  it("asks for the photo at the size its stage shows it, by the photo view's rule", async () => {
    const fake = reviewBackend()
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg`, caption: `Automatic caption ${id}.`, width: 5640, height: 3760 }))
    const { model } = await renderApp(fake)
    model.app.go('review')
    await showing(1)
    // A size bucket for the stage (the test DOM measures 0, so the 960x720 default), never the bare small preview.
    expect(document.querySelector('.stage img')!.getAttribute('src')).toBe('test-img://preview/1?w=1600')
  })
})
