// The layering rules of eslint.config.js hold for the whole tree, and they bite:
// a renderer file reaching into the engine, an engine file importing Electron or
// the bridge, shared code using Node, are each reported.
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const eslint = new ESLint({ cwd: root })

async function problems(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath })
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('dependency direction (eslint.config.js)', () => {
  it('holds for every source file', async () => {
    const results = await eslint.lintFiles(['src', 'e2e'])
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`))
    expect(errors).toEqual([])
  }, 240_000)

  it('refuses the renderer importing main-process code, Electron or Node', async () => {
    expect(await problems(`import { createEngine } from '../../../main/engine/engine.ts'`, 'src/renderer/src/lib/x.ts')).toEqual([expect.stringMatching(/no-restricted-imports: .*API table/)])
    expect(await problems(`import { ipcRenderer } from 'electron'`, 'src/renderer/src/lib/x.ts')).toHaveLength(1)
    expect(await problems(`import fs from 'node:fs'`, 'src/renderer/src/lib/x.ts')).toHaveLength(1)
    expect(await problems(`<script lang="ts">import { createEngine } from '../../../main/engine/engine.ts'</script>`, 'src/renderer/src/features/X.svelte')).toHaveLength(1)
  })

  it('keeps Electron to its adapter and the engine free of front doors', async () => {
    expect(await problems(`import { app } from 'electron'`, 'src/main/engine/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'src/main/bridge/x.ts')).toHaveLength(1)
    expect(await problems(`import { startHttpBridge } from '../bridge/http-bridge.ts'`, 'src/main/engine/x.ts')).toHaveLength(1)
    expect(await problems(`import { main } from '../../cli/index.ts'`, 'src/main/ml/models/x.ts')).toHaveLength(1)
    expect(await problems(`import { app } from 'electron'`, 'src/main/electron/x.ts')).toEqual([])
    expect(await problems(`import { contextBridge } from 'electron'`, 'src/preload/x.ts')).toEqual([])
  })

  it('keeps shared code isomorphic', async () => {
    expect(await problems(`import fs from 'node:fs'`, 'src/shared/x.ts')).toHaveLength(1)
    expect(await problems(`import { createEngine } from '../main/engine/engine.ts'`, 'src/shared/x.ts')).toHaveLength(1)
  })
})
