import { useEffect } from 'react';
import type { ApiClient } from '../api/client.ts';

/**
 * Inside Docker Desktop, once per opening of the dashboard: the host script says where the
 * person's AWS files are, and the backend (in the VM) reads them from then on, also while the
 * dashboard is closed. Elsewhere the backend reads ~/.aws itself and this does nothing.
 */
export function useHostAwsSync(client: ApiClient, notifyError: (error: unknown, context?: string) => void): void {
  useEffect(() => {
    let cancelled = false;
    client.syncHostAws().catch((err: unknown) => {
      if (!cancelled) notifyError(err, 'Your AWS profiles could not be read from this machine');
    });
    return () => {
      cancelled = true;
    };
  }, [client, notifyError]);
}
