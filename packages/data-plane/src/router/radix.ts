// A radix tree of plain path prefixes. Kong's prefixes are not segment-aware ('/v1' matches '/v1abc'),
// so edges are split at any character, not at '/'. Walking a request path visits every node whose
// prefix the path starts with, in O(path length), whatever the number of prefixes.

export class RadixNode<V> {
  label: string;
  /** Children by the first character code of their label. */
  children: Map<number, RadixNode<V>> | null = null;
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
    const child = node.children?.get(code);
    if (child === undefined) {
      const leaf = new RadixNode<V>(prefix.slice(pos));
      (node.children ??= new Map()).set(code, leaf);
      node = leaf;
      break;
    }
    const common = commonLength(child.label, prefix.slice(pos));
    if (common < child.label.length) {
      // Split the edge: node -> mid (common part) -> child (rest).
      const mid = new RadixNode<V>(child.label.slice(0, common));
      child.label = child.label.slice(common);
      mid.children = new Map([[child.label.charCodeAt(0), child]]);
      node.children!.set(code, mid);
      node = mid;
    } else node = child;
    pos += common;
  }
  (node.values ??= []).push(value);
}
