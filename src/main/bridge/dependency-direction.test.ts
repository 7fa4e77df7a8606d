// The layer allow-list of eslint.config.js holds for the whole tree, and it
// bites: an import a layer does not list (an upward one above all) fails lint,
// as do Electron outside its door and Node in isomorphic code.
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const eslint = new ESLint({ cwd: root })
// Planted snippets are not files of the TypeScript project, so the type-aware
// rule (no-floating-promises) cannot run on them; the layer rule needs no types.
const planted = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off' } },
})

async function problems(code: string, filePath: string): Promise<string[]> {
  const [r] = await planted.lintText(code, { filePath })
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('layers (eslint.config.js)', () => {
  it('hold for every source file', async () => {
    const results = await eslint.lintFiles(['src', 'e2e'])
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`))
    expect(errors).toEqual([])
  }, 240_000)

  it('refuse a planted upward import in every layer that has one above it', async () => {
    const upward: [string, string][] = [
      ['src/main/engine/x.ts', `import { createBackend } from '../app/backend.ts'`],
      ['src/main/engine/search/x.ts', `import { main } from '../../cli/index.ts'`],
      ['src/main/ml/models/x.ts', `import { createEngine } from '../../engine/engine.ts'`],
      ['src/main/ml/x.ts', `export { startHttpBridge } from '../bridge/http-bridge.ts'`],
      ['src/main/app/x.ts', `import { startHttpBridge } from '../bridge/http-bridge.ts'`],
      ['src/main/app/x.ts', `const m = await import('../cli/index.ts')`],
      ['src/main/bridge/x.ts', `import { createEngine } from '../engine/engine.ts'`],
      ['src/shared/x.ts', `import { createEngine } from '../main/engine/engine.ts'`],
      ['src/renderer/src/lib/x.ts', `import { createEngine } from '../../../main/engine/engine.ts'`],
      ['src/main/engine/x.ts', `import { tempDir } from '../../../test/helpers/photo-folders.ts'`],
    ]
    for (const [file, code] of upward) expect(await problems(code, file), `${file}: ${code}`).toEqual([expect.stringMatching(/^layers\/allowed-imports: /)])
    expect(await problems(`import { createEngine } from '../../../main/engine/engine.ts'`, 'src/renderer/src/lib/x.ts')).toEqual([
      expect.stringMatching(/layer renderer \(src\/renderer\) may import renderer, shared; not engine/),
    ])
    expect(
      await problems(`<script lang="ts">import { createEngine } from '../../../main/engine/engine.ts'</script>`, 'src/renderer/src/features/X.svelte'),
    ).toHaveLength(1)
  })

  it('allow what each layer lists, and tests anything', async () => {
    expect(await problems(`import { createEngine } from '../engine/engine.ts'`, 'src/main/app/x.ts')).toEqual([])
    expect(await problems(`import { createBackend } from '../app/backend.ts'`, 'src/main/bridge/x.ts')).toEqual([])
    expect(await problems(`import { createMlService } from '../ml/pipeline/index.ts'`, 'src/main/engine/x.ts')).toEqual([])
    expect(await problems(`import { main } from '../../cli/index.ts'`, 'src/main/engine/search/x.test.ts')).toEqual([])
  })

  it('keep Electron to its door and shared code isomorphic', async () => {
    expect(await problems(`import { app } from 'electron'`, 'src/main/engine/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'src/main/app/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'src/main/bridge/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'e2e/x.spec.ts')).toHaveLength(1)
    expect(await problems(`import { ipcRenderer } from 'electron'`, 'src/renderer/src/lib/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'src/main/electron/x.ts')).toEqual([])
    expect(await problems(`import { contextBridge } from 'electron'`, 'src/preload/x.ts')).toEqual([])
    expect(await problems(`import fs from 'node:fs'`, 'src/shared/x.ts')).toHaveLength(1)
    expect(await problems(`import fs from 'node:fs'`, 'src/renderer/src/lib/x.ts')).toHaveLength(1)
  })
})
