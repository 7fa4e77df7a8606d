// One switch says where the CLI runs the models (PHOTOCAP_ML_IN_PROCESS), with
// each command's default when it is unset; the older PHOTOCAP_ML_WORKER=1
// still means "in the worker". Before, `caption` read only PHOTOCAP_ML_WORKER
// and the library commands and `serve` only PHOTOCAP_ML_IN_PROCESS.
import { describe, expect, it } from 'vitest'
import { mlInProcess } from './support.ts'

describe('where the CLI runs the models', () => {
  it('PHOTOCAP_ML_IN_PROCESS decides for every command; unset, the command decides', () => {
    for (const byDefault of [true, false]) {
      expect(mlInProcess({ PHOTOCAP_ML_IN_PROCESS: '1' }, byDefault)).toBe(true)
      expect(mlInProcess({ PHOTOCAP_ML_IN_PROCESS: '0' }, byDefault)).toBe(false)
      expect(mlInProcess({}, byDefault)).toBe(byDefault)
      expect(mlInProcess({ PHOTOCAP_ML_IN_PROCESS: '' }, byDefault)).toBe(byDefault)
      // The older spelling of "in the worker".
      expect(mlInProcess({ PHOTOCAP_ML_WORKER: '1' }, byDefault)).toBe(false)
    }
    // The current switch wins over the older one.
    expect(mlInProcess({ PHOTOCAP_ML_IN_PROCESS: '1', PHOTOCAP_ML_WORKER: '1' }, false)).toBe(true)
  })
})
