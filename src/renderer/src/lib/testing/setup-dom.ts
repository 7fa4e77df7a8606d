// jsdom has no layout: give elements a size and a ResizeObserver that reports
// it once, so the virtualised grid lays out rows as in a browser window.
export function fakeLayout(width = 1000, height = 700): void {
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => width })
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => height })
  Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => width })
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => height })
  if (!('ResizeObserver' in globalThis)) {
    class RO {
      #cb: ResizeObserverCallback
      constructor(cb: ResizeObserverCallback) {
        this.#cb = cb
      }
      observe(target: Element): void {
        const rect = { width, height, top: 0, left: 0, bottom: height, right: width, x: 0, y: 0, toJSON: () => ({}) }
        const size = [{ inlineSize: width, blockSize: height }]
        queueMicrotask(() =>
          this.#cb(
            [{ target, contentRect: rect, borderBoxSize: size, contentBoxSize: size, devicePixelContentBoxSize: size } as unknown as ResizeObserverEntry],
            this as unknown as ResizeObserver,
          ),
        )
      }
      unobserve(): void {}
      disconnect(): void {}
    }
    ;(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = RO
  }
}
