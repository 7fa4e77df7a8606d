// [Note: BLAS pinning]: the PyTorch child's environment and the BLAS verdict.
import { describe, expect, it } from 'vitest'
import { blasVerdict, openmpOpenblasDir, torchChildEnv } from '../../bench/torch-python.ts'

const OMP = '/usr/lib/x86_64-linux-gnu/openblas-openmp'

describe('PyTorch child BLAS', () => {
  it('puts the OpenMP OpenBLAS folder first on the library path, sets the thread count and a passive wait policy', () => {
    expect(openmpOpenblasDir('x64')).toBe(OMP)
    expect(torchChildEnv(2, { PATH: '/bin' }, OMP)).toEqual({ PATH: '/bin', OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', LD_LIBRARY_PATH: OMP })
    expect(torchChildEnv(2, { OMP_WAIT_POLICY: 'ACTIVE' }, OMP).OMP_WAIT_POLICY).toBe('ACTIVE')
    expect(torchChildEnv(4, { LD_LIBRARY_PATH: '/opt/lib' }, OMP).LD_LIBRARY_PATH).toBe(`${OMP}:/opt/lib`)
  })

  it('accepts only the OpenMP OpenBLAS', () => {
    expect(blasVerdict([`${OMP}/libblas.so.3`, `${OMP}/liblapack.so.3`, `${OMP}/libopenblasp-r0.3.21.so`])).toEqual({ ok: true, reason: null })
    const pthread = blasVerdict(['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'])
    expect(pthread.ok).toBe(false)
    expect(pthread.reason).toMatch(/openblas-pthread.*not Debian's OpenMP OpenBLAS.*no ratio/)
    expect(blasVerdict(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3']).ok).toBe(false)
    expect(blasVerdict([]).ok).toBe(false)
  })
})
