import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleCaption, samplePhotoDetail } from '../../../shared/api-samples.ts'
import { Drafts, memoryStorage } from '../lib/state/drafts.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

const editor = (): HTMLTextAreaElement => screen.getByRole('textbox', { name: 'Caption' }) as HTMLTextAreaElement

describe('caption drafts', () => {
  it('keeps an unsaved caption when leaving the photo and brings it back on return', async () => {
    const { model } = await renderApp()
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Rex, half asleep.' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Back to library' }))
    await waitFor(() => expect(model.photo.id).toBeNull())
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(editor().value).toBe('Rex, half asleep.')
    expect(screen.getByRole('note').textContent).toMatch(/Your unsaved draft from .* is back/)
    expect((screen.getByRole('button', { name: 'Save caption' }) as HTMLButtonElement).disabled).toBe(false)
  })

  it('keeps it when the search box takes over', async () => {
    const { model } = await renderApp()
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Typed, then searched.' } })
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await waitFor(() => expect(model.photo.id).toBeNull())
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(editor().value).toBe('Typed, then searched.')
  })

  it('survives a reload (a new app over the same storage)', async () => {
    const drafts = new Drafts(memoryStorage())
    const first = await renderApp(new FakeTransport(), drafts)
    await first.model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Before the reload.' } })
    const second = await renderApp(new FakeTransport(), drafts)
    await second.model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(editor().value).toBe('Before the reload.')
  })

  it('Escape in a changed editor keeps the draft and leaves the editor; a second Escape returns to the library', async () => {
    const { model } = await renderApp()
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Not thrown away.' } })
    await fireEvent.keyDown(editor(), { key: 'Escape' })
    expect(editor().value).toBe('Not thrown away.')
    expect(document.activeElement?.id).toBe('photo-title')
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' })
    await waitFor(() => expect(model.photo.id).toBeNull())
    expect(model.photo.drafts.get(1)?.text).toBe('Not thrown away.')
  })

  it('is cleared by saving and by discarding', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Throw me away.' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Discard draft' }))
    expect(editor().value).toBe(sampleCaption.text)
    expect(model.photo.drafts.get(1)).toBeNull()
    await fireEvent.input(editor(), { target: { value: 'Keep me.' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Save caption' }))
    await waitFor(() => expect(fake.callsOf('captions.set')).toEqual([{ photoId: 1, text: 'Keep me.' }]))
    await waitFor(() => expect(model.photo.drafts.get(1)).toBeNull())
  })

  it('does not block moving to the next photo; each photo keeps its own draft', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.neighbours', ({ id }) => ({ previous: id > 1 ? id - 1 : null, next: id + 1 }))
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id))
    const { model } = await renderApp(fake)
    await model.photo.open(1)
    await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor(), { target: { value: 'Draft for one.' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Next photo' }))
    await waitFor(() => expect(model.photo.detail?.id).toBe(2))
    expect(editor().value).toBe(sampleCaption.text)
    expect(model.photo.drafts.get(1)?.text).toBe('Draft for one.')
    expect(model.photo.drafts.get(2)).toBeNull()
  })
})
