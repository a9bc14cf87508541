import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Snackbar from '@mui/material/Snackbar';
import type { ApiClient } from './client.ts';
import { describeError } from './errors.ts';

interface Notice {
  key: number;
  severity: 'error' | 'success' | 'info';
  message: string;
  remedy?: string;
}

export interface ApiContextValue {
  client: ApiClient;
  /** Shows an error with its remedy (and a Docker Desktop toast inside Docker Desktop). */
  notifyError(error: unknown, context?: string): void;
  notifySuccess(message: string): void;
}

const Ctx = createContext<ApiContextValue | null>(null);

export function useApi(): ApiContextValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useApi() outside <ApiProvider>');
  return v;
}

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const [open, setOpen] = useState(false);

  const notifyError = useCallback(
    (error: unknown, context?: string) => {
      const { message, remedy } = describeError(error);
      const text = context ? `${context}: ${message}` : message;
      setNotice({ key: Date.now(), severity: 'error', message: text, ...(remedy ? { remedy } : {}) });
      setOpen(true);
      client.transport.toastError?.(remedy ? `${text} ${remedy}` : text);
    },
    [client],
  );
  const notifySuccess = useCallback((message: string) => {
    setNotice({ key: Date.now(), severity: 'success', message });
    setOpen(true);
  }, []);

  const value = useMemo(() => ({ client, notifyError, notifySuccess }), [client, notifyError, notifySuccess]);

  return (
    <Ctx.Provider value={value}>
      {children}
      <Snackbar
        key={notice?.key}
        open={open && notice !== null}
        autoHideDuration={notice?.severity === 'error' ? 12000 : 4000}
        onClose={(_e, reason) => {
          if (reason !== 'clickaway') setOpen(false);
        }}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        {notice ? (
          <Alert
            severity={notice.severity}
            variant="filled"
            onClose={() => setOpen(false)}
            sx={{ maxWidth: 640, alignItems: 'flex-start' }}
            data-testid="notice"
          >
            {notice.remedy ? <AlertTitle sx={{ mb: 0.5 }}>{notice.message}</AlertTitle> : notice.message}
            {notice.remedy}
          </Alert>
        ) : undefined}
      </Snackbar>
    </Ctx.Provider>
  );
}
