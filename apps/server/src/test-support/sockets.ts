/**
 * socket.io-client helpers: connect with a token, wait for an event, collect events. Their
 * timeouts only end a wait for what never comes; they resolve as soon as it does, so they are
 * generous (a loaded machine is slow, not wrong).
 */
import { io, type Socket } from 'socket.io-client';

/** How long an event, a connection or an acknowledgement may take before the wait fails. */
export const SOCKET_WAIT_MS = 30_000;

export function connectSocket(url: string, token: string | undefined, options: Record<string, unknown> = {}): Socket {
  return io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnectionDelay: 100, ...options });
}

export function connected(socket: Socket, timeoutMs = SOCKET_WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not connect')), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('connect_error', (error) => (clearTimeout(timer), reject(error)));
  });
}

/** Resolves with the connect_error a refused handshake produces. */
export function refused(socket: Socket, timeoutMs = SOCKET_WAIT_MS): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket was neither refused nor connected')), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), reject(new Error('socket connected but should have been refused'))));
    socket.once('connect_error', (error) => (clearTimeout(timer), socket.disconnect(), resolve(error)));
  });
}

export function nextEvent<T = any>(socket: Socket, event: string, timeoutMs = SOCKET_WAIT_MS, matching: (payload: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.off(event, listener), reject(new Error(`no ${event} within ${timeoutMs} ms`))), timeoutMs);
    const listener = (payload: T) => {
      if (!matching(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Records every event a socket receives, to assert what did not arrive. */
export function recordEvents(socket: Socket): { event: string; payload: any }[] {
  const seen: { event: string; payload: any }[] = [];
  socket.onAny((event, payload) => seen.push({ event, payload }));
  return seen;
}

/** Drops the connection as a network failure would, and keeps the client from reconnecting by itself. */
export async function dropConnection(socket: Socket): Promise<void> {
  socket.io.opts.reconnection = false;
  const dropped = nextEvent(socket, 'disconnect');
  (socket.io.engine as unknown as { close(): void }).close();
  await dropped;
}

export function join(socket: Socket, room: unknown): Promise<{ success?: true; error?: string }> {
  return socket.timeout(SOCKET_WAIT_MS).emitWithAck('join', room);
}

/** A plain WebSocket on the event feed (what wscat does), collecting the envelopes it receives. */
export async function openFeed(url: string, token: string | undefined, path = '/') {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url.replace(/^http/, 'ws') + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const received: any[] = [];
  ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
  /** Resolves with the first envelope (already received or coming) that matches. */
  const next = (matching: (envelope: any) => boolean, timeoutMs = SOCKET_WAIT_MS) =>
    new Promise<any>((resolve, reject) => {
      const found = received.find(matching);
      if (found) return resolve(found);
      const timer = setTimeout(() => (ws.off('message', listener), reject(new Error('no matching feed event'))), timeoutMs);
      const listener = (data: Buffer) => {
        const envelope = JSON.parse(data.toString());
        if (!matching(envelope)) return;
        clearTimeout(timer);
        ws.off('message', listener);
        resolve(envelope);
      };
      ws.on('message', listener);
    });
  return { ws, received, opened, next };
}
