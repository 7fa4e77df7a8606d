// The channel both child processes use: valid messages reach the handler,
// anything else is answered with a log line naming the child and the reason.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const channel = fileURLToPath(new URL('./parent-channel.ts', import.meta.url))
// By absolute address: the child's file lies outside the project, where a bare 'zod' or 'tsx' would not resolve.
const zod = import.meta.resolve('zod')
const tsx = import.meta.resolve('tsx')

describe('parent channel', () => {
  it('hands on the messages the schema accepts and logs the others, naming the child', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-channel-'))
    const entry = path.join(dir, 'child.ts')
    fs.writeFileSync(
      entry,
      [
        `import { z } from ${JSON.stringify(zod)}`,
        `import { onParentMessage, sendToParent } from ${JSON.stringify(channel)}`,
        `onParentMessage(z.object({ type: z.literal('ping'), n: z.number() }), 'test child', (msg) => {`,
        `  sendToParent({ type: 'pong', n: msg.n + 1 })`,
        `})`,
      ].join('\n'),
    )
    const child = fork(entry, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const received: unknown[] = []
    // The parent hangs up once all three answers are in, and the child then exits by itself
    // (a child that disconnects with a send still in flight crashes inside Node).
    child.on('message', (m) => {
      received.push(m)
      if (received.length === 3) child.disconnect()
    })
    child.send({ type: 'ping', n: 'one' })
    child.send({ type: 'ping', n: 1 })
    child.send({ type: 'ping', n: 2 })
    await new Promise((resolve) => child.on('exit', resolve))
    fs.rmSync(dir, { recursive: true, force: true })
    expect(received).toEqual([
      { type: 'log', text: expect.stringMatching(/^test child: ignored an invalid message \(.+\)$/) },
      { type: 'pong', n: 2 },
      { type: 'pong', n: 3 },
    ])
  })
})
