import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

describe('connection state', () => {
  it('shows one offline state when the socket drops and the server does not answer, and comes back by itself', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    expect(screen.queryByRole('alert', { name: 'Offline' })).toBeNull()
    fake.down = 'unreachable'
    fake.socket(false)
    await screen.findByRole('alert', { name: 'Offline' })
    expect(model.connection.status).toBe('offline')
    expect(screen.getByRole('button', { name: 'Progress: unknown while offline' })).toBeTruthy()
    const listsBefore = fake.callsOf('photos.timeline').length
    fake.down = null
    fake.socket(true)
    await waitFor(() => expect(model.connection.status).toBe('online'))
    expect(screen.queryByRole('alert', { name: 'Offline' })).toBeNull()
    // What may have changed meanwhile is fetched again.
    await waitFor(() => expect(fake.callsOf('photos.timeline').length).toBeGreaterThan(listsBefore))
  })

  it('in the desktop app, shows "restarting the engine" while its engine process starts again, refuses edits, and clears when it is back', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    fake.emit('engine.state', { state: 'restarting', reason: 'the engine process stopped unexpectedly (signal SIGKILL)' })
    const banner = await screen.findByRole('alert', { name: 'Restarting the engine' })
    expect(banner.textContent).toMatch(/starting again/)
    expect(model.connection.status).toBe('restarting')
    expect(model.connection.online).toBe(false)
    expect(screen.getByRole('button', { name: 'Progress: waiting while the engine restarts' })).toBeTruthy()
    // A successful call meanwhile does not clear it (the database answers; the engine is still starting).
    await model.library.refresh()
    expect(model.connection.status).toBe('restarting')
    // Edits wait, with the draft kept.
    await model.photo.open(1)
    model.photo.draft = 'Words typed while the engine restarts.'
    await model.photo.save()
    expect(fake.callsOf('captions.set')).toEqual([])
    const listsBefore = fake.callsOf('photos.timeline').length
    fake.emit('engine.state', { state: 'running', reason: null })
    await waitFor(() => expect(model.connection.status).toBe('online'))
    expect(screen.queryByRole('alert', { name: 'Restarting the engine' })).toBeNull()
    await waitFor(() => expect(fake.callsOf('photos.timeline').length).toBeGreaterThan(listsBefore))
  })

  it('a session that ended stays ended whatever the engine says', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    fake.down = 'new-token'
    await model.library.refresh()
    expect(model.connection.status).toBe('session-ended')
    fake.emit('engine.state', { state: 'restarting', reason: null })
    fake.emit('engine.state', { state: 'running', reason: null })
    expect(model.connection.status).toBe('session-ended')
  })

  it('a failed call is enough to notice; the next successful one clears it', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    fake.down = 'unreachable'
    await model.library.refresh()
    expect(model.connection.status).toBe('offline')
    fake.down = null
    await model.library.refresh()
    expect(model.connection.status).toBe('online')
  })

  it('after a restart with a new token, tells the person to open the new address', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    fake.down = 'new-token'
    fake.socket(false)
    await screen.findByRole('alert', { name: 'Session ended' })
    expect(model.connection.status).toBe('session-ended')
    expect(screen.getByText(/Open the new address that photocap serve printed/)).toBeTruthy()
    expect(screen.queryByText(/missing or wrong session token/)).toBeNull()
  })

  it('refuses to save while offline, visibly, and keeps the draft', async () => {
    const fake = new FakeTransport()
    const { model } = await renderApp(fake)
    await model.photo.open(1)
    const editor = await screen.findByRole('textbox', { name: 'Caption' })
    await fireEvent.input(editor, { target: { value: 'Written while offline.' } })
    fake.down = 'unreachable'
    fake.socket(false)
    await screen.findByRole('alert', { name: 'Offline' })
    const save = screen.getByRole('button', { name: 'Save caption' }) as HTMLButtonElement
    expect(save.disabled).toBe(true)
    expect(screen.getByText(/Saving waits for the server; your draft is kept/)).toBeTruthy()
    await fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true })
    expect(fake.callsOf('captions.set')).toEqual([])
    expect((await screen.findAllByText(/Not saved: Photocap’s server cannot be reached/)).length).toBeGreaterThan(0)
    expect(model.photo.drafts.get(1)?.text).toBe('Written while offline.')
  })

  it('waits for the server when it cannot be reached at start, then loads', async () => {
    const fake = new FakeTransport()
    fake.down = 'unreachable'
    const { model } = await renderApp(fake)
    await screen.findByRole('heading', { name: 'Waiting for Photocap’s server' })
    fake.down = null
    fake.socket(true)
    await waitFor(() => expect(model.app.info).not.toBeNull())
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Waiting for Photocap’s server' })).toBeNull())
  })
})
