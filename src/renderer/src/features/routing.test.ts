import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleOutputs, samplePhotoDetail } from '../../../shared/api-samples.ts'
import { AppModel } from '../lib/state/model.svelte.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

const go = (hash: string): void => {
  window.location.hash = hash
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

describe('addresses', () => {
  it('a photo opened while the rest of the app still loads stays open (the opening address does not undo it)', async () => {
    const fake = new FakeTransport()
    let release!: () => void
    const slow = new Promise<void>((r) => (release = r))
    fake.reply('settings.get', async () => {
      await slow
      return sampleOutputs['settings.get']
    })
    const model = new AppModel(fake)
    const started = model.start({ view: 'library' })
    await waitFor(() => expect(model.library.loaded).toBe(true))
    await model.photo.open(1)
    release()
    await started
    expect(model.photo.id).toBe(1)
  })

  it('the address follows the screen: photo, search, view', async () => {
    const { model } = await renderApp()
    await model.photo.open(1)
    await waitFor(() => expect(window.location.hash).toBe('#/photo/1'))
    model.closePhoto()
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await waitFor(() => expect(window.location.hash).toBe('#/search?q=dog'))
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    await waitFor(() => expect(window.location.hash).toBe('#/settings'))
  })

  it('the screen follows the address (Back/Forward, a pasted link)', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg` }))
    const { model } = await renderApp(fake)
    go('#/photo/7')
    await screen.findByRole('heading', { level: 1, name: 'IMG_7.jpg' })
    go('#/activity')
    await waitFor(() => expect(model.app.view).toBe('activity'))
    expect(model.photo.id).toBeNull()
    go('#/search?q=beach')
    await screen.findByRole('list', { name: 'Search results' })
    expect(model.search.text).toBe('beach')
    go('#/library?folder=%2Fphotos%2Fholiday')
    await waitFor(() => expect(model.library.filter.folder).toBe('/photos/holiday'))
    expect(model.search.active).toBe(false)
  })

  it('a reload opens the same place', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg` }))
    const model = new AppModel(fake)
    await model.start({ view: 'photo', id: 5, q: 'dog' })
    expect(model.photo.id).toBe(5)
    expect(model.search.text).toBe('dog')
    expect(model.route).toEqual({ view: 'photo', id: 5, q: 'dog' })
  })

  it('a filtered search keeps its filters in the address: a reload, a photo opened from it and Back show the same results', async () => {
    const fake = new FakeTransport()
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id, { name: `IMG_${id}.jpg` }))
    const { model } = await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await screen.findByRole('list', { name: 'Search results' })
    await fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'failed' } })
    await waitFor(() => expect(window.location.hash).toBe('#/search?q=dog&status=failed'))
    await model.photo.open(1)
    await waitFor(() => expect(window.location.hash).toBe('#/photo/1?q=dog&status=failed'))
    // A reload at the photo's address: the photo, and behind it the same filtered search.
    const reloaded = new AppModel(fake)
    await reloaded.start({ view: 'photo', id: 1, q: 'dog', filter: { status: 'failed' } })
    expect(reloaded.photo.id).toBe(1)
    expect(reloaded.search.filter).toEqual({ status: 'failed' })
    reloaded.closePhoto()
    await waitFor(() => expect(fake.callsOf('search.query').at(-1)).toMatchObject({ text: 'dog', filter: { status: 'failed' } }))
    // Back from another view to the search's address brings the filter back too.
    go('#/settings')
    await waitFor(() => expect(model.app.view).toBe('settings'))
    go('#/search?q=dog&status=failed')
    await screen.findByRole('list', { name: 'Search results' })
    expect(model.search.filter).toEqual({ status: 'failed' })
  })
})
