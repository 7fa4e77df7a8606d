import { describe, expect, it } from 'vitest'
import { flatten, folderTrail, folderTree } from './folder-tree.ts'
import type { FolderCount, Root } from '../../../shared/types.ts'

const roots: Root[] = [
  { id: 1, path: '/photos', photoCount: 9, exclusions: [], problem: null },
  { id: 2, path: '/mnt/card/DCIM', photoCount: 2, exclusions: [], problem: null },
]
const folders: FolderCount[] = [
  { rootId: 1, path: '/photos', count: 1 },
  { rootId: 1, path: '/photos/2019', count: 3 },
  { rootId: 1, path: '/photos/2019/July', count: 2 },
  { rootId: 1, path: '/photos/2020/Trip to the mountains with a long name', count: 3 },
  { rootId: 2, path: '/mnt/card/DCIM/100CANON', count: 2 },
]

describe('folder tree', () => {
  it('nests folders under the nearest folder above them, named by what is below it', () => {
    const rows = flatten(folderTree(folders, roots)).map((n) => [n.depth, n.name, n.count])
    expect(rows).toEqual([
      // The watched folder's count is the engine's total; a folder's count takes in its subfolders, as its view does.
      [0, 'photos', 1],
      [1, '2019', 5],
      [2, 'July', 2],
      // Its parent holds no photos: the in-between part stays in the name.
      [1, '2020/Trip to the mountains with a long name', 3],
      [0, 'DCIM', 2],
      [1, '100CANON', 2],
    ])
  })

  it('does not take a sibling with a longer name for a parent', () => {
    const tree = folderTree(
      [
        { rootId: 1, path: '/photos/2019', count: 1 },
        { rootId: 1, path: '/photos/2019-extra', count: 1 },
      ],
      roots.slice(0, 1),
    )
    expect(tree[0]!.children.map((c) => c.name)).toEqual(['2019', '2019-extra'])
  })

  it('gives the breadcrumbs from the watched folder down', () => {
    expect(folderTrail('/photos/2019/July', roots)).toEqual([
      { path: '/photos', name: 'photos' },
      { path: '/photos/2019', name: '2019' },
      { path: '/photos/2019/July', name: 'July' },
    ])
    expect(
      folderTrail('C:\\Users\\Ann\\Pictures\\Rome', [{ id: 3, path: 'C:\\Users\\Ann\\Pictures', photoCount: 1, exclusions: [], problem: null }]).map(
        (t) => t.path,
      ),
    ).toEqual(['C:\\Users\\Ann\\Pictures', 'C:\\Users\\Ann\\Pictures\\Rome'])
    expect(folderTrail('/elsewhere/x', roots)).toEqual([{ path: '/elsewhere/x', name: 'x' }])
  })
})
