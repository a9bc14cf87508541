import { useEffect } from 'react';
import type { ApiClient } from '../api/client.ts';

export const HOST_PROCESS_POLL_MS = 20_000;

/**
 * Inside Docker Desktop, while the dashboard is open: the credential_process profiles the backend
 * wants (containers use them, or asked lately) run on this machine, each when the backend says it
 * is due, and their output goes straight to the backend (kept in its memory only). When the
 * dashboard is closed nothing refreshes them; the backend says so in the profile's state and in
 * the containers' errors. Elsewhere the backend runs credential_process itself and this does nothing.
 */
export function useHostProcessRefresh(client: ApiClient, intervalMs = HOST_PROCESS_POLL_MS): void {
  useEffect(() => {
    if (!client.transport.hostCredentialProcess) return undefined;
    let stopped = false;
    // A program may wait for the person (a touch, a browser sign-in): never twice at once.
    const running = new Set<string>();
    const tick = async () => {
      let due: string[];
      try {
        due = (await client.listHostProcesses()).filter((p) => p.due).map((p) => p.profile);
      } catch {
        return; // The backend is unreachable: the status says so; the next tick tries again.
      }
      for (const profile of due) {
        if (stopped || running.has(profile)) continue;
        running.add(profile);
        client
          .refreshHostProcess(profile)
          .catch(() => undefined) // The backend keeps the failure and shows it with the profile.
          .finally(() => running.delete(profile));
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, intervalMs]);
}
