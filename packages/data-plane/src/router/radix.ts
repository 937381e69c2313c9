// A radix tree of plain path prefixes. Kong's prefixes are not segment-aware ('/v1' matches '/v1abc'),
// so edges are split at any character, not at '/'. Walking a request path visits every node whose
// prefix the path starts with, in O(path length), whatever the number of prefixes.

export class RadixNode<V> {
  label: string;
  /** First character codes of the children's labels, parallel to `children`. A linear scan of a few
   * small integers beats a Map lookup here, and keeps a tree compact for the CPU cache. */
  codes: number[] = [];
  children: RadixNode<V>[] = [];
  /** Values whose prefix ends exactly at this node. */
  values: V[] | null = null;

  constructor(label: string) {
    this.label = label;
  }
}

const commonLength = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
};

/**
 * Adds `value` under `prefix`.
 * @example const root = new RadixNode<string>(''); insertPrefix(root, '/v1', 'a'); insertPrefix(root, '/v2', 'b'); // '/v' -> {'1', '2'}
 */
export function insertPrefix<V>(root: RadixNode<V>, prefix: string, value: V): void {
  let node = root;
  let pos = 0;
  while (pos < prefix.length) {
    const code = prefix.charCodeAt(pos);
    const index = node.codes.indexOf(code);
    if (index === -1) {
      const leaf = new RadixNode<V>(prefix.slice(pos));
      node.codes.push(code);
      node.children.push(leaf);
      node = leaf;
      break;
    }
    const child = node.children[index];
    const common = commonLength(child.label, prefix.slice(pos));
    if (common < child.label.length) {
      // Split the edge: node -> mid (common part) -> child (rest).
      const mid = new RadixNode<V>(child.label.slice(0, common));
      child.label = child.label.slice(common);
      mid.codes.push(child.label.charCodeAt(0));
      mid.children.push(child);
      node.children[index] = mid;
      node = mid;
    } else node = child;
    pos += common;
  }
  (node.values ??= []).push(value);
}

/**
 * The child of `node` whose label the path continues with at `pos`, or null.
 * @example childAt(root, '/v1/x', 0) // the '/v' node when '/v1' and '/v2' were inserted
 */
export function childAt<V>(node: RadixNode<V>, path: string, pos: number): RadixNode<V> | null {
  const codes = node.codes;
  const code = path.charCodeAt(pos);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] !== code) continue;
    const child = node.children[i];
    return path.startsWith(child.label, pos) ? child : null;
  }
  return null;
}
