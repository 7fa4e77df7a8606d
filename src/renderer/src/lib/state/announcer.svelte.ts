// What screen readers hear: one polite live region for progress and results,
// one assertive for errors. Progress is throttled so a reader is not flooded.
export class Announcer {
  polite = $state('')
  assertive = $state('')
  #lastProgress = 0

  say(text: string): void {
    // Re-announce identical text by clearing first.
    this.polite = ''
    queueMicrotask(() => (this.polite = text))
  }

  alert(text: string): void {
    this.assertive = ''
    queueMicrotask(() => (this.assertive = text))
  }

  /** Progress updates at most every 10 s unless `force` (start, finish, pause). */
  progress(text: string, force = false, now = Date.now()): void {
    if (!force && now - this.#lastProgress < 10_000) return
    this.#lastProgress = now
    this.say(text)
  }
}
