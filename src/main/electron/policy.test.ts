import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { devServerUrlFor, externalLinkTarget, isTrustedAppUrl, resolveAppFile } from './policy.ts'

describe('Electron security policy', () => {
  it('trusts only our app origin (and the dev server in development)', () => {
    expect(isTrustedAppUrl('photocap-app://app/index.html')).toBe(true)
    expect(isTrustedAppUrl('photocap-app://evil/index.html')).toBe(false)
    expect(isTrustedAppUrl('file:///home/me/index.html')).toBe(false)
    expect(isTrustedAppUrl('https://example.com/')).toBe(false)
    expect(isTrustedAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true)
    expect(isTrustedAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false)
    expect(isTrustedAppUrl('not a url')).toBe(false)
  })

  it('sends only https links to allowed hosts (the model sources) to the system browser', () => {
    expect(externalLinkTarget('https://github.com/photocap')).toBe('https://github.com/photocap')
    expect(externalLinkTarget('https://huggingface.co/openai/clip-vit-base-patch32')).toBe('https://huggingface.co/openai/clip-vit-base-patch32')
    expect(externalLinkTarget('https://drive.google.com/file/d/x/view')).toBe('https://drive.google.com/file/d/x/view')
    for (const bad of [
      'http://example.com',
      'https://example.com/',
      'http://huggingface.co/',
      'https://huggingface.co.evil.example/',
      'https://user@huggingface.co/',
      'https://huggingface.co:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id',
      'photocap-app://app/x',
      '',
    ]) {
      expect(externalLinkTarget(bad), bad).toBeNull()
    }
  })

  it('honours ELECTRON_RENDERER_URL only in an unpackaged app, and only on loopback', () => {
    const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173' }
    expect(devServerUrlFor(false, env)).toBe('http://localhost:5173')
    expect(devServerUrlFor(true, env)).toBeNull()
    expect(devServerUrlFor(false, {})).toBeNull()
    expect(devServerUrlFor(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBeNull()
    expect(devServerUrlFor(false, { ELECTRON_RENDERER_URL: 'file:///tmp/x.html' })).toBeNull()
  })

  it('serves app files from the renderer folder only', () => {
    const root = path.resolve('/opt/photocap/renderer')
    expect(resolveAppFile(root, 'photocap-app://app/')).toBe(path.join(root, 'index.html'))
    expect(resolveAppFile(root, 'photocap-app://app/assets/index.js')).toBe(path.join(root, 'assets', 'index.js'))
    // The URL parser folds dot segments first; what is left stays inside the folder.
    expect(resolveAppFile(root, 'photocap-app://app/%2e%2e/index.html')).toBe(path.join(root, 'index.html'))
    for (const bad of [
      'photocap-app://app/..%2f..%2fetc/passwd',
      'photocap-app://app/%2e%2e%2f%2e%2e%2fetc/passwd',
      'photocap-app://other/index.html',
      'photocap-app://app/a%00b',
      'file:///etc/passwd',
    ]) {
      expect(resolveAppFile(root, bad), bad).toBeNull()
    }
  })
})
