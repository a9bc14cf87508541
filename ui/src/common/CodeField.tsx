import TextField, { type TextFieldProps } from '@mui/material/TextField';
import { monoFont } from './Mono.tsx';

/** A multi-line text field for code and files (JSON, NAME=VALUE lines): monospace, no spell check. */
export function CodeField({ slotProps, ...props }: TextFieldProps & { autoComplete?: 'off' }) {
  const { autoComplete, ...rest } = props;
  return (
    <TextField
      multiline
      fullWidth
      spellCheck={false}
      {...rest}
      slotProps={{ ...slotProps, htmlInput: { style: { fontFamily: monoFont, fontSize: 13 }, ...(autoComplete ? { autoComplete } : {}) } }}
    />
  );
}
