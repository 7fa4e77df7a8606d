import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { externalLinkTarget, isTrustedAppUrl, resolveAppFile } from './policy.ts'

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

  it('sends only http(s) links to the system browser', () => {
    expect(externalLinkTarget('https://github.com/photocap')).toBe('https://github.com/photocap')
    expect(externalLinkTarget('http://example.com')).toBe('http://example.com/')
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'ms-msdt:/id', 'photocap-app://app/x', '']) expect(externalLinkTarget(bad), bad).toBeNull()
  })

  it('serves app files from the renderer folder only', () => {
    const root = path.resolve('/opt/photocap/renderer')
    expect(resolveAppFile(root, 'photocap-app://app/')).toBe(path.join(root, 'index.html'))
    expect(resolveAppFile(root, 'photocap-app://app/assets/index.js')).toBe(path.join(root, 'assets', 'index.js'))
    // The URL parser folds dot segments first; what is left stays inside the folder.
    expect(resolveAppFile(root, 'photocap-app://app/%2e%2e/index.html')).toBe(path.join(root, 'index.html'))
    for (const bad of ['photocap-app://app/..%2f..%2fetc/passwd', 'photocap-app://app/%2e%2e%2f%2e%2e%2fetc/passwd', 'photocap-app://other/index.html', 'photocap-app://app/a%00b', 'file:///etc/passwd']) {
      expect(resolveAppFile(root, bad), bad).toBeNull()
    }
  })
})
