import Box from '@mui/material/Box';
import type { ReactNode } from 'react';

export const monoFont = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

export function Mono({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <Box component="span" title={title} sx={{ fontFamily: monoFont, fontSize: '0.8125rem' }}>
      {children}
    </Box>
  );
}
