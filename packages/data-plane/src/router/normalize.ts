// Request path normalization before matching (Kong's kong/tools/uri.lua normalize) and the escaping
// of the upstream path (uri.lua escape).

// RFC 3986 reserved characters plus '%': their escapes stay escaped (upper-cased).
const RESERVED = new Set("!*'();:@&=+$,/?%#[]");
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

function decodeRun(run: string): string {
  let out = '';
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < run.length; i += 3) {
    const byte = parseInt(run.slice(i + 1, i + 3), 16);
    if (byte < 0x80 && RESERVED.has(String.fromCharCode(byte))) {
      flush();
      out += run.slice(i, i + 3).toUpperCase();
    } else bytes.push(byte);
  }
  flush();
  return out;
}

// RFC 3986 §5.2.4, on a path that starts with '/'.
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const isLast = i === segments.length - 1;
    if (s === '.') {
      if (isLast) out.push('');
    } else if (s === '..') {
      out.pop();
      if (isLast) out.push('');
    } else out.push(s);
  }
  return '/' + out.join('/');
}

/**
 * Kong's normalization: decode unreserved escapes (reserved ones stay, upper-cased), remove dot
 * segments, merge repeated slashes.
 * @example normalizePath('/a/%7euser/./b/../c%2fd//e') // '/a/~user/c%2Fd/e'
 */
export function normalizePath(raw: string): string {
  let path = raw.includes('%') ? raw.replace(ESCAPES, decodeRun) : raw;
  if (path.charCodeAt(0) !== 47) path = '/' + path;
  if (path.includes('/.')) path = removeDotSegments(path);
  if (path.includes('//')) path = path.replace(/\/{2,}/g, '/');
  return path;
}

const UNSAFE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/gu;
const escapeChar = (c: string): string => {
  try {
    return encodeURIComponent(c);
  } catch {
    return '%EF%BF%BD'; // A lone surrogate: U+FFFD.
  }
};

/**
 * Re-escapes a path for the upstream request line (uri.lua escape).
 * @example escapePath('/a b/é') // '/a%20b/%C3%A9'
 */
export function escapePath(path: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(path) ? path.replace(UNSAFE, escapeChar) : path;
}
