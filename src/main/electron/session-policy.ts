// [Note: Electron session policy]
// The app needs no permission a web page can ask for (camera, microphone,
// notifications, geolocation, clipboard reads, MIDI, HID, serial, USB,
// Bluetooth, screen capture): every request is refused, every permission
// check answers no, and every device chooser picks nothing. Written against
// the few Session / WebContents methods it uses, so it is tested without
// Electron (session-policy.test.ts) and called with the real ones in app.ts.

/** The part of Electron's Session this policy sets. */
export interface SessionLike {
  setPermissionRequestHandler(
    handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null,
  ): void
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string, requestingOrigin: string, details: unknown) => boolean) | null): void
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void
  setDisplayMediaRequestHandler(handler: ((request: unknown, callback: (streams: Record<string, never>) => void) => void) | null): void
  setBluetoothPairingHandler?(handler: ((details: unknown, callback: (response: { confirmed: boolean }) => void) => void) | null): void
  on(event: 'select-hid-device', listener: (event: { preventDefault(): void }, details: unknown, callback: (deviceId?: string | null) => void) => void): unknown
  on(
    event: 'select-serial-port',
    listener: (event: { preventDefault(): void }, portList: unknown, webContents: unknown, callback: (portId: string) => void) => void,
  ): unknown
  on(event: 'select-usb-device', listener: (event: { preventDefault(): void }, details: unknown, callback: (deviceId?: string) => void) => void): unknown
}

/** The part of Electron's WebContents this policy sets. */
export interface WebContentsLike {
  on(event: 'select-bluetooth-device', listener: (event: { preventDefault(): void }, devices: unknown, callback: (deviceId: string) => void) => void): unknown
}

export function hardenSession(session: SessionLike, log: (text: string) => void = () => undefined): void {
  session.setPermissionRequestHandler((_wc, permission, callback) => {
    log(`refused permission request: ${permission}`)
    callback(false)
  })
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}))
  session.setBluetoothPairingHandler?.((_details, callback) => callback({ confirmed: false }))
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault()
    callback(null)
  })
  session.on('select-serial-port', (event, _ports, _wc, callback) => {
    event.preventDefault()
    callback('')
  })
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault()
    callback()
  })
}

export function hardenWebContents(contents: WebContentsLike): void {
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault()
    callback('')
  })
}
