import type { Server } from 'node:http';
import { listen } from './http.ts';

/** A data-plane port that could not be listened on, and what to do about it. */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

/** Listen on each port at the endpoint address; on failure, close what was opened and say why. */
export async function listenAll(servers: [Server, number][], host: string): Promise<Server[]> {
  const open: Server[] = [];
  for (const [server, port] of servers) {
    try {
      await listen(server, port, host);
      open.push(server);
    } catch (err) {
      await closeAll(open);
      const code = (err as NodeJS.ErrnoException).code;
      throw new ListenError(
        `Cannot listen on ${host}:${port}: ${code ?? (err as Error).message}.`,
        code === 'EADDRINUSE'
          ? `Another program (perhaps another ECS Endpoints or the older local-container-endpoints) already serves ${host}:${port}. Stop it and start again.`
          : code === 'EACCES'
            ? `Port ${port} needs root or CAP_NET_BIND_SERVICE; run with sudo, or grant it: sudo setcap cap_net_bind_service=+ep $(command -v node).`
            : `The address ${host} must exist on this machine; in the host topology it is the network's gateway (check: ip addr | grep ${host}).`,
      );
    }
  }
  return open;
}

export function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); }))).then(() => undefined);
}
