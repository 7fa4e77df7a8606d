// The keyboard of a tree view (the WAI-ARIA Authoring Practices' tree pattern),
// pure: which node a key focuses, expands, collapses or opens, given the nodes
// in view. The sidebar's folder tree renders; this decides. Selection does not
// follow focus: the arrows only move, Enter (or a click) opens the node.

/** A node as the keys see it; `children` empty for a leaf. */
export interface TreeNode {
  id: string
  label: string
  children: TreeNode[]
}

/** A node in view, in reading order, with what the keys need to know about its place. */
export interface TreeRow {
  id: string
  label: string
  /** 1 for the top nodes, as aria-level counts. */
  level: number
  parent: string | null
  expandable: boolean
  expanded: boolean
}

export type TreeAction =
  | { kind: 'focus'; id: string }
  | { kind: 'expand'; id: string }
  | { kind: 'collapse'; id: string }
  | { kind: 'open'; id: string }
  /** `*`: expand every sibling of the focused node (focus stays). */
  | { kind: 'expandAll'; ids: string[] }

/** The nodes in view: depth first, the children of a collapsed node left out. */
export function visibleRows(nodes: TreeNode[], collapsed: ReadonlySet<string>, level = 1, parent: string | null = null): TreeRow[] {
  return nodes.flatMap((n) => {
    const expandable = n.children.length > 0
    const expanded = expandable && !collapsed.has(n.id)
    const row: TreeRow = { id: n.id, label: n.label, level, parent, expandable, expanded }
    return expanded ? [row, ...visibleRows(n.children, collapsed, level + 1, n.id)] : [row]
  })
}

/** The ids of the nodes above `id` (nearest first), so it can be brought into view. */
export function ancestorsOf(nodes: TreeNode[], id: string): string[] | null {
  for (const n of nodes) {
    if (n.id === id) return []
    const below = ancestorsOf(n.children, id)
    if (below) return [...below, n.id]
  }
  return null
}

/** What `key` does with focus on `current`; null for a key the tree does not take. */
export function treeKey(key: string, rows: TreeRow[], current: string): TreeAction | null {
  const i = rows.findIndex((r) => r.id === current)
  const row = rows[i]
  if (!row) return rows[0] ? { kind: 'focus', id: rows[0].id } : null
  const focus = (r: TreeRow | undefined): TreeAction | null => (r ? { kind: 'focus', id: r.id } : null)
  switch (key) {
    case 'ArrowDown':
      // No wrap: the last node stays.
      return focus(rows[i + 1] ?? row)
    case 'ArrowUp':
      return focus(rows[i - 1] ?? row)
    case 'Home':
      return focus(rows[0])
    case 'End':
      return focus(rows[rows.length - 1])
    case 'ArrowRight':
      // Closed: open it. Open: to its first child. A leaf: nothing.
      if (!row.expandable) return null
      if (!row.expanded) return { kind: 'expand', id: row.id }
      return focus(rows[i + 1])
    case 'ArrowLeft':
      // Open: close it. Closed or a leaf: to its parent. A top node: nothing.
      if (row.expanded) return { kind: 'collapse', id: row.id }
      return row.parent === null ? null : { kind: 'focus', id: row.parent }
    case 'Enter':
      return { kind: 'open', id: row.id }
    case '*': {
      const ids = rows.filter((r) => r.parent === row.parent && r.expandable && !r.expanded).map((r) => r.id)
      return ids.length > 0 ? { kind: 'expandAll', ids } : null
    }
    default:
      return null
  }
}

/**
 * Type-ahead: the next node in view after `current` whose label starts with
 * `typed` (case and accents aside), wrapping to the top; null when none does.
 * A prefix of one repeated letter cycles through the nodes with that letter.
 */
export function typeAhead(rows: TreeRow[], current: string, typed: string): string | null {
  const norm = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase()
  let prefix = norm(typed)
  if (prefix.length === 0) return null
  // "aaa" is a person pressing "a" again to go on to the next one.
  if ([...prefix].every((c) => c === prefix[0])) prefix = prefix[0]!
  const start = rows.findIndex((r) => r.id === current)
  // A longer prefix may still match the current node; a single letter moves on.
  const from = start < 0 ? 0 : prefix.length > 1 ? start : start + 1
  for (let k = 0; k < rows.length; k++) {
    const r = rows[(from + k) % rows.length]!
    if (norm(r.label).startsWith(prefix)) return r.id
  }
  return null
}
