import { describe, expect, it } from 'vitest'
import { ancestorsOf, treeKey, typeAhead, visibleRows, type TreeNode } from './tree-keys.ts'

const node = (id: string, children: TreeNode[] = []): TreeNode => ({ id, label: id.split('/').pop()!, children })
// All photos
// photos
//   2019
//     July
//     Ärzte
//   2020
// DCIM
//   100CANON
const tree: TreeNode[] = [
  node('all'),
  node('/photos', [node('/photos/2019', [node('/photos/2019/July'), node('/photos/2019/Ärzte')]), node('/photos/2020')]),
  node('/DCIM', [node('/DCIM/100CANON')]),
]
const open = visibleRows(tree, new Set())
const ids = (rows: { id: string }[]): string[] => rows.map((r) => r.id)

describe('tree keys', () => {
  it('lists the nodes in view depth first, with their level and parent, leaving out what a collapsed node holds', () => {
    expect(open.map((r) => [r.id, r.level, r.parent, r.expandable, r.expanded])).toEqual([
      ['all', 1, null, false, false],
      ['/photos', 1, null, true, true],
      ['/photos/2019', 2, '/photos', true, true],
      ['/photos/2019/July', 3, '/photos/2019', false, false],
      ['/photos/2019/Ärzte', 3, '/photos/2019', false, false],
      ['/photos/2020', 2, '/photos', false, false],
      ['/DCIM', 1, null, true, true],
      ['/DCIM/100CANON', 2, '/DCIM', false, false],
    ])
    expect(ids(visibleRows(tree, new Set(['/photos/2019'])))).toEqual(['all', '/photos', '/photos/2019', '/photos/2020', '/DCIM', '/DCIM/100CANON'])
    expect(ids(visibleRows(tree, new Set(['/photos', '/DCIM'])))).toEqual(['all', '/photos', '/DCIM'])
  })

  it('moves up and down through the nodes in view, without wrapping at the ends', () => {
    expect(treeKey('ArrowDown', open, '/photos/2019/Ärzte')).toEqual({ kind: 'focus', id: '/photos/2020' })
    expect(treeKey('ArrowUp', open, '/photos/2020')).toEqual({ kind: 'focus', id: '/photos/2019/Ärzte' })
    expect(treeKey('ArrowDown', open, '/DCIM/100CANON')).toEqual({ kind: 'focus', id: '/DCIM/100CANON' })
    expect(treeKey('ArrowUp', open, 'all')).toEqual({ kind: 'focus', id: 'all' })
    // Collapsed, the hidden children are skipped.
    const shut = visibleRows(tree, new Set(['/photos']))
    expect(treeKey('ArrowDown', shut, '/photos')).toEqual({ kind: 'focus', id: '/DCIM' })
  })

  it('goes to the first and last node in view with Home and End', () => {
    expect(treeKey('Home', open, '/photos/2019/July')).toEqual({ kind: 'focus', id: 'all' })
    expect(treeKey('End', open, 'all')).toEqual({ kind: 'focus', id: '/DCIM/100CANON' })
    expect(treeKey('End', visibleRows(tree, new Set(['/DCIM'])), 'all')).toEqual({ kind: 'focus', id: '/DCIM' })
  })

  it('Right expands a closed node, then goes to its first child; on a leaf it does nothing', () => {
    const shut = visibleRows(tree, new Set(['/photos']))
    expect(treeKey('ArrowRight', shut, '/photos')).toEqual({ kind: 'expand', id: '/photos' })
    expect(treeKey('ArrowRight', open, '/photos')).toEqual({ kind: 'focus', id: '/photos/2019' })
    expect(treeKey('ArrowRight', open, '/photos/2020')).toBeNull()
    expect(treeKey('ArrowRight', open, 'all')).toBeNull()
  })

  it('Left collapses an open node, else goes to its parent; on a closed top node it does nothing', () => {
    expect(treeKey('ArrowLeft', open, '/photos/2019')).toEqual({ kind: 'collapse', id: '/photos/2019' })
    expect(treeKey('ArrowLeft', open, '/photos/2019/July')).toEqual({ kind: 'focus', id: '/photos/2019' })
    const shut = visibleRows(tree, new Set(['/photos/2019']))
    expect(treeKey('ArrowLeft', shut, '/photos/2019')).toEqual({ kind: 'focus', id: '/photos' })
    expect(treeKey('ArrowLeft', visibleRows(tree, new Set(['/photos'])), '/photos')).toBeNull()
    expect(treeKey('ArrowLeft', open, 'all')).toBeNull()
  })

  it('Enter opens the focused node; * expands its closed siblings; other keys are not taken', () => {
    expect(treeKey('Enter', open, '/photos/2019/July')).toEqual({ kind: 'open', id: '/photos/2019/July' })
    expect(treeKey('*', visibleRows(tree, new Set(['/photos', '/DCIM'])), 'all')).toEqual({ kind: 'expandAll', ids: ['/photos', '/DCIM'] })
    expect(treeKey('*', open, 'all')).toBeNull()
    expect(treeKey('Tab', open, 'all')).toBeNull()
    expect(treeKey('x', open, 'all')).toBeNull()
  })

  it('focuses the first node when the focused one is no longer in view, and takes no key in an empty tree', () => {
    expect(treeKey('ArrowDown', open, '/gone')).toEqual({ kind: 'focus', id: 'all' })
    expect(treeKey('ArrowDown', [], 'all')).toBeNull()
  })

  it('finds the next node by its first letters, wrapping, case and accents aside', () => {
    expect(typeAhead(open, 'all', 'j')).toBe('/photos/2019/July')
    expect(typeAhead(open, 'all', '2')).toBe('/photos/2019')
    // The same letter again moves on to the next match, then wraps.
    expect(typeAhead(open, '/photos/2019', '2')).toBe('/photos/2020')
    expect(typeAhead(open, '/photos/2020', '22')).toBe('/photos/2019')
    // A longer prefix can stay on the current node.
    expect(typeAhead(open, '/photos/2019', '201')).toBe('/photos/2019')
    expect(typeAhead(open, '/photos/2019', '2020')).toBe('/photos/2020')
    expect(typeAhead(open, 'all', 'arz')).toBe('/photos/2019/Ärzte')
    expect(typeAhead(open, 'all', 'q')).toBeNull()
    expect(typeAhead(open, 'all', '')).toBeNull()
  })

  it('names the nodes above a node, nearest first', () => {
    expect(ancestorsOf(tree, '/photos/2019/July')).toEqual(['/photos/2019', '/photos'])
    expect(ancestorsOf(tree, '/photos')).toEqual([])
    expect(ancestorsOf(tree, '/nowhere')).toBeNull()
  })
})
