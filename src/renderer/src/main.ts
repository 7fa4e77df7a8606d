import { mount } from 'svelte'
import './app.css'
import App from './App.svelte'
import { pickTransport } from './lib/transport.ts'
import { AppModel } from './lib/state/model.svelte.ts'
import { applyPalette } from './lib/palette.ts'
import { currentRoute } from './lib/router.ts'

applyPalette()
let model: AppModel | null = null
const transport = pickTransport(() => model?.resync())
model = new AppModel(transport)
mount(App, { target: document.getElementById('app')!, props: { model } })
void model.start(currentRoute())
