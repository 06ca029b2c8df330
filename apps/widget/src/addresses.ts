/**
 * Addresses on the HummDesk server the widget came from. `base` is the script's folder without
 * the trailing slash: `https://help.example.com`, or `https://shop.example.com/support` when a
 * proxy serves HummDesk under a path.
 */

/**
 * Where the live line connects: Socket.IO reads a path in its URI as the namespace, so the
 * base's path goes into the engine's `path` and the URI is the origin plus the namespace.
 */
export function socketAddress(base: string, namespace: string): { uri: string; path: string } {
  const url = new URL(base);
  return { uri: `${url.origin}${namespace}`, path: `${url.pathname.replace(/\/$/, '')}/socket.io` };
}

/** A path the server answered (`/api/attachments/…`) as an address under the base, keeping the base's own path. */
export function serverUrl(base: string, path: string): string {
  return `${base}${path.startsWith('/') ? '' : '/'}${path}`;
}
