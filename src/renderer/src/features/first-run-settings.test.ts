import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleModels, sampleOutputs } from '../../../shared/api-samples.ts'
import { ApiError } from '../../../shared/errors.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

const firstRun = (): FakeTransport => {
  const fake = new FakeTransport()
  fake.reply('app.info', { ...sampleOutputs['app.info'], firstRun: true })
  fake.reply('roots.list', [])
  return fake
}

describe('first run', () => {
  it('recommends the COCO pack with its download size, labels the test pack as a test, and makes Add folder the primary action', async () => {
    await renderApp(firstRun())
    const packs = screen.getAllByRole('listitem').filter((li) => li.closest('ul')?.classList.contains('packs'))
    expect(packs.map((li) => li.querySelector('.name')?.textContent?.trim().replace(/\s+/g, ' '))).toEqual([
      'ClipCap COCO (MLP) Recommended',
      'Test pack For testing only',
    ])
    expect(within(packs[0]!).getByText('1.1 GB to 2.1 GB')).toBeTruthy()
    expect(screen.queryByText(/download size shown when it starts/)).toBeNull()
    // The test pack is not shown as a chosen option ("In use"), only as what is used meanwhile.
    expect(within(packs[1]!).queryByText('In use')).toBeNull()
    expect(within(packs[1]!).getByText(/Used until you install a real pack/)).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Add folder…' }).classList.contains('primary')).toBe(true)
    expect(screen.getByRole('button', { name: 'Skip for now' }).classList.contains('primary')).toBe(false)
  })

  it('says the processor in plain words, with the technical reason on request', async () => {
    const fake = firstRun()
    const reason = 'CUDA provider library not installed (see README: installing onnxruntime-node with CUDA)'
    fake.reply('models.info', { ...sampleModels, provider: 'cpu', providerFallbackReason: reason })
    await renderApp(fake)
    expect(screen.getByText('Processor: your graphics card (CUDA) is not set up; using the CPU.')).toBeTruthy()
    const details = screen.getByText('Technical detail').closest('details')!
    expect(details.open).toBe(false)
    expect(within(details).getByText(reason)).toBeTruthy()
  })

  it('shows files trusted on first use plainly for an installed pack', async () => {
    const fake = firstRun()
    fake.reply('models.info', {
      ...sampleModels,
      packs: [
        sampleModels.packs[0]!,
        { ...sampleModels.packs[1]!, installed: true, active: true, trustedOnFirstUse: [{ path: 'coco_weights.pt', sha256: 'ab'.repeat(32) }] },
      ],
    })
    await renderApp(fake)
    expect(screen.getByText('Trusted on first use: 1 file has no published checksum')).toBeTruthy()
    expect(screen.getByText('coco_weights.pt')).toBeTruthy()
  })
})

describe('settings', () => {
  const openSettings = async (fake = new FakeTransport()) => {
    const r = await renderApp(fake)
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    await screen.findByRole('heading', { name: 'Settings' })
    return r
  }

  it('confirms each change next to its control', async () => {
    const { fake, container } = await openSettings()
    await fireEvent.click(screen.getByRole('radio', { name: /Careful/ }))
    await waitFor(() => expect(container.querySelector('[data-field="method"]')?.textContent).toContain('Saved'))
    expect(fake.callsOf('settings.update')).toEqual([{ decoding: { method: 'beam' } }])
    const threads = screen.getByRole('spinbutton', { name: /Photos worked on at once/ })
    await fireEvent.change(threads, { target: { value: '4' } })
    await waitFor(() => expect(container.querySelector('[data-field="workerThreads"]')?.textContent).toContain('Saved'))
    expect(threads.getAttribute('aria-describedby')).toContain('threads-note')
  })

  it('shows a refused change next to the control, and never says Saved for it', async () => {
    const fake = new FakeTransport()
    fake.reply('settings.update', () => {
      throw new ApiError('invalid_input', 'workerThreads: too many for this machine')
    })
    const { container } = await openSettings(fake)
    const threads = screen.getByRole('spinbutton', { name: /Photos worked on at once/ })
    await fireEvent.change(threads, { target: { value: '8' } })
    await waitFor(() =>
      expect(container.querySelector('[data-field="workerThreads"]')?.textContent).toContain('Not saved: workerThreads: too many for this machine'),
    )
    expect(threads.getAttribute('aria-invalid')).toBe('true')
    // A value out of range is refused here, without asking the server.
    const n = fake.callsOf('settings.update').length
    await fireEvent.change(screen.getByRole('spinbutton', { name: /Longest caption/ }), { target: { value: '0' } })
    expect(container.querySelector('[data-field="maxTokens"]')?.textContent).toContain('Longest caption must be a whole number from 1 to 200.')
    expect(fake.callsOf('settings.update')).toHaveLength(n)
  })

  it('saves a folder’s skip patterns and confirms it under the field', async () => {
    const { fake, container } = await openSettings()
    await fireEvent.change(screen.getByRole('textbox', { name: 'Files to skip in /photos' }), { target: { value: '**/tmp/**\n\n*.png ' } })
    await waitFor(() => expect(container.querySelector('[data-field="exclusions-1"]')?.textContent).toContain('Saved'))
    expect(fake.callsOf('roots.setExclusions')).toEqual([{ id: 1, patterns: ['**/tmp/**', '*.png'] }])
  })
})
