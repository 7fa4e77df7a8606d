// The README's commands are the ones that work: CI runs its test command word
// for word, and the set-up script it calls installs what the tests need
// whether the machine is a root-only container or a user's with sudo.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8')
const script = path.join(repo, 'scripts/install-test-tools.sh')

/** The indented command after "Run every test". */
const testCommand = (): string => /Run every test[^\n]*\n(?:[^\n]+\n)*?\n {4}(\S[^\n]*)\n/.exec(readme)![1]!

describe("the README's commands", () => {
  it('CI runs the test command exactly as the README gives it, with no sudo', () => {
    const command = testCommand()
    expect(command).toBe('sh scripts/install-test-tools.sh && npm test')
    const ci = fs.readFileSync(path.join(repo, '.ci/run'), 'utf8').split('\n')
    expect(ci).toContain(command)
    expect(ci.filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/\bsudo\b/)
  })

  it('the set-up script asks for nothing when the tools are there, and says what is missing where it cannot install', () => {
    // Fake tools on PATH: the script only looks, it installs nothing here.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-tools-'))
    try {
      for (const tool of ['exiftool', 'chromium']) {
        fs.writeFileSync(path.join(bin, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      }
      const quiet = execFileSync('sh', [script], {
        env: { PATH: `${bin}:/usr/bin:/bin`, PHOTOCAP_CHROMIUM: path.join(bin, 'chromium') },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      expect(quiet).toBe('')
      // No apt-get on PATH (not Debian): it names what is missing and does not fail the test command.
      fs.rmSync(path.join(bin, 'chromium'))
      const noApt = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-noapt-'))
      for (const tool of ['sh', 'id', 'env']) {
        const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p))!
        fs.symlinkSync(real, path.join(noApt, tool))
      }
      const out = execFileSync(path.join(noApt, 'sh'), ['-c', `sh ${script} 2>&1`], {
        env: { PATH: `${bin}:${noApt}`, PHOTOCAP_CHROMIUM: path.join(bin, 'chromium') },
        encoding: 'utf8',
      })
      expect(out).toMatch(/missing: chromium\. This script installs them with apt-get/)
      fs.rmSync(noApt, { recursive: true, force: true })
    } finally {
      fs.rmSync(bin, { recursive: true, force: true })
    }
  })
})
