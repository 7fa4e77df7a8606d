// The sidebar's folders as a tree, and a folder's trail for the library's
// heading. The engine lists every folder that holds photos with its count
// (folders.counts) and the watched folders (roots); a folder hangs under the
// nearest listed folder above it, named by the part of its path below that
// one, so "2019/July" shows as "July" under "2019" but a folder whose parent
// holds no photos keeps the in-between part ("2019/July" under the root).
// Counts are of photos at any depth, as the folder's view shows them.
import type { FolderCount, Root } from '../../../shared/types.ts'

export interface FolderNode {
  path: string
  name: string
  count: number
  rootId: number
  depth: number
  children: FolderNode[]
}

const split = (p: string): string[] => p.split(/[\\/]/).filter(Boolean)

/** Whether `child` is strictly inside `parent` (either separator). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return false
  const a = split(parent)
  const b = split(child)
  return b.length > a.length && a.every((s, i) => s === b[i])
}

/** The tree under each watched folder, in the order folders.counts gives (root first when listed). */
export function folderTree(folders: FolderCount[], roots: Root[]): FolderNode[] {
  const out: FolderNode[] = []
  for (const root of roots) {
    const mine = folders
      .filter((f) => f.rootId === root.id && f.path !== root.path)
      .sort((x, y) => split(x.path).length - split(y.path).length || x.path.localeCompare(y.path))
    const own = folders.find((f) => f.rootId === root.id && f.path === root.path)
    const top: FolderNode = {
      path: root.path,
      name: split(root.path).pop() ?? root.path,
      count: own?.count ?? root.photoCount,
      rootId: root.id,
      depth: 0,
      children: [],
    }
    const placed: FolderNode[] = [top]
    for (const f of mine) {
      // The deepest folder already placed that holds this one.
      let parent = top
      for (const n of placed) if (isInside(f.path, n.path) && split(n.path).length > split(parent.path).length) parent = n
      const node: FolderNode = {
        path: f.path,
        name: split(f.path).slice(split(parent.path).length).join('/'),
        count: f.count,
        rootId: root.id,
        depth: parent.depth + 1,
        children: [],
      }
      parent.children.push(node)
      placed.push(node)
    }
    const byName = (a: FolderNode, b: FolderNode): number => a.name.localeCompare(b.name, undefined, { numeric: true })
    const sortDeep = (n: FolderNode): void => {
      n.children.sort(byName)
      n.children.forEach(sortDeep)
    }
    sortDeep(top)
    // A folder shows its photos at any depth (the library's folder filter does), so its count does too;
    // the engine counts a watched folder that way already and other folders by their own files.
    const deep = (n: FolderNode): number => (n.count += n.children.reduce((sum, c) => sum + deep(c), 0))
    top.children.forEach(deep)
    out.push(top)
  }
  return out
}

/** Depth-first, for rendering a flat list with levels. */
export function flatten(nodes: FolderNode[]): FolderNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)])
}

/** The folders from the watched folder down to `folder`, each with the name to show: the heading's breadcrumbs. */
export function folderTrail(folder: string, roots: Root[]): { path: string; name: string }[] {
  const root = roots.filter((r) => r.path === folder || isInside(folder, r.path)).sort((a, b) => b.path.length - a.path.length)[0]
  const parts = split(folder)
  if (!root) return [{ path: folder, name: parts.pop() ?? folder }]
  const base = split(root.path).length
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/'
  const lead = folder.startsWith('/') ? '/' : ''
  const trail = [{ path: root.path, name: split(root.path).pop() ?? root.path }]
  for (let i = base; i < parts.length; i++) trail.push({ path: lead + parts.slice(0, i + 1).join(sep), name: parts[i] ?? '' })
  return trail
}
