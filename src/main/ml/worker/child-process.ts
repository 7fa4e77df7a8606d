/**
 * What a parent needs of a child process that speaks messages: Node's
 * ChildProcess (child_process.fork) fits as is, and so does the desktop app's
 * adapter over an Electron utility process ([Note: child processes in the
 * desktop app] in electron/utility-process.ts). The ML worker client and the
 * training parent both drive one.
 */
export interface ChildProcessLike<Message = unknown> {
  readonly pid?: number | undefined
  send(message: Message): unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  /** Close the channel: the child finishes what it is doing and exits. */
  disconnect?(): void
  kill(signal?: NodeJS.Signals): unknown
}
