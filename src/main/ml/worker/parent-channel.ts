// The parent side of a child process as the child sees it: process.send/on,
// from child_process.fork under Node or an Electron utility process whose entry
// maps parentPort onto them (electron/utility-entry.ts). Used by the ML worker
// and the training child, which differ only in what they say and answer.
import type { z } from 'zod'

/** Sends one message to the parent; dropped once the channel is closed (the parent went away). */
export function sendToParent<T>(msg: T): void {
  if (process.connected !== false) process.send?.(msg)
}

/**
 * Calls `onMessage` with each message from the parent that `schema` accepts.
 * Any other message is not answered but logged back to the parent, naming
 * `who` and the first reason, so a protocol mismatch shows in the parent's log.
 */
export function onParentMessage<S extends z.ZodType>(schema: S, who: string, onMessage: (msg: z.infer<S>) => void): void {
  process.on('message', (raw: unknown) => {
    const parsed = schema.safeParse(raw)
    if (!parsed.success) {
      sendToParent({ type: 'log', text: `${who}: ignored an invalid message (${parsed.error.issues[0]?.message ?? 'unknown'})` })
      return
    }
    onMessage(parsed.data)
  })
}
