// A TCP proxy on the loopback in front of a server, for network faults
// without root: it forwards both ways until told to black-hole, then drops
// every byte in both directions while keeping every connection open, as a
// network that loses all packets does (no reset, no error, only silence).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drop everything from now on, on open and new connections alike. */
  blackhole(): void;
  /** Forward again (connections opened meanwhile stay silent: their bytes are gone). */
  restore(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let dropping = false;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    accepted++;
    track(client);
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.on('data', (data) => void (dropping || upstream.write(data)));
    upstream.on('data', (data) => void (dropping || client.write(data)));
    // a closed end is passed on only while forwarding: a black hole carries no FIN either
    client.on('close', () => void (dropping || upstream.destroy()));
    upstream.on('close', () => void (dropping || client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    blackhole: () => void (dropping = true),
    restore: () => void (dropping = false),
    connections: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
