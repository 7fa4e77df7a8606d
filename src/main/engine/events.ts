// A typed, multi-subscriber event emitter. `on()` returns the unsubscribe
// function, so a subscriber cleans up with what it got back (no listener outlives its owner).
// A throwing listener never breaks the emitter or the other listeners.

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(name)
    if (!set) this.listeners.set(name, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => {
      set.delete(listener as (payload: never) => void)
    }
  }

  once<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    const off = this.on(name, (p) => {
      off()
      listener(p)
    })
    return off
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.listeners.get(name)
    if (!set) return
    for (const l of [...set]) {
      try {
        ;(l as (p: Events[K]) => void)(payload)
      } catch (error) {
        // A bug in one subscriber must not stop the engine or the others.
        console.error(`photocap: listener for '${String(name)}' threw:`, error)
      }
    }
  }

  listenerCount(name: keyof Events): number {
    return this.listeners.get(name)?.size ?? 0
  }
}
