// Route host matchers (reference §1.3): exact, leading wildcard ('*.example.com' matches
// 'a.b.example.com', not 'example.com'), trailing wildcard ('example.*' matches 'example.org'),
// each optionally port-specific ('example.com:8080' only matches port 8080).

export interface HostMatcher {
  kind: 'exact' | 'suffix' | 'prefix';
  /** exact: the host; suffix: '.example.com'; prefix: 'example.'. */
  value: string;
  port: number | null;
}

/** Splits 'host:port' (and '[v6]:port'); the host is lower-cased and unbracketed. */
export function splitHostPort(hostPort: string): [host: string, port: number | null] {
  const s = hostPort.toLowerCase();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    const port = s.charCodeAt(end + 1) === 58 ? Number(s.slice(end + 2)) : null;
    return [s.slice(1, end), Number.isInteger(port) ? port : null];
  }
  const colon = s.lastIndexOf(':');
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (colon === -1 || s.indexOf(':') !== colon) return [s, null];
  const port = Number(s.slice(colon + 1));
  return Number.isInteger(port) && colon < s.length - 1 ? [s.slice(0, colon), port] : [s, null];
}

export function compileHosts(hosts: string[]): HostMatcher[] {
  return hosts.map((h) => {
    const [host, port] = splitHostPort(h);
    if (host.startsWith('*.')) return { kind: 'suffix', value: host.slice(1), port };
    if (host.endsWith('.*')) return { kind: 'prefix', value: host.slice(0, -1), port };
    return { kind: 'exact', value: host, port };
  });
}
