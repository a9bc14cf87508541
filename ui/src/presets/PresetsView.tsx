import { useRef, useState, type ChangeEvent } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import ContentPasteIcon from '@mui/icons-material/ContentPaste';
import FileDownloadOutlinedIcon from '@mui/icons-material/FileDownloadOutlined';
import FileUploadOutlinedIcon from '@mui/icons-material/FileUploadOutlined';
import type { PresetsView as PresetsState, PresetView, SourceView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { CodeSnippet } from '../common/CodeSnippet.tsx';
import { Mono } from '../common/Mono.tsx';
import { downloadText } from '../common/download.ts';
import { ImportProblem, IssueList } from './ImportProblem.tsx';
import { PasteDialog } from './PasteDialog.tsx';
import { EXAMPLE_PRESET_FILE, EXPORT_FILENAME, PRESET_LABEL, credentialsInWords, matchInWords, taskChips } from './presetWords.ts';

/** Reads a picked file as text (FileReader works in Docker Desktop's renderer as in a browser). */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read.`));
    reader.readAsText(file);
  });
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function PresetRow({ preset, sources, filePath }: { preset: PresetView; sources: SourceView[] | undefined; filePath: string | undefined }) {
  const chips = taskChips(preset);
  const used = preset.matchedContainers;
  return (
    <TableRow data-preset={preset.name}>
      <TableCell component="th" scope="row" sx={{ maxWidth: 280, verticalAlign: 'top' }}>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>
          {preset.name}
        </Typography>
        {preset.description && (
          <Typography variant="caption" color="text.secondary" component="div" sx={{ overflowWrap: 'anywhere' }}>
            {preset.description}
          </Typography>
        )}
      </TableCell>
      <TableCell sx={{ maxWidth: 240, verticalAlign: 'top' }}>
        <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
          {matchInWords(preset)}
        </Typography>
      </TableCell>
      <TableCell sx={{ maxWidth: 280, verticalAlign: 'top' }}>
        <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
          {credentialsInWords(preset.credentials, sources)}
        </Typography>
      </TableCell>
      <TableCell sx={{ maxWidth: 300, verticalAlign: 'top' }}>
        {chips.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            none
          </Typography>
        ) : (
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }} aria-label={`Task overrides of ${preset.name}`} role="list">
            {chips.map((c) => (
              <Chip key={c} size="small" variant="outlined" label={c} role="listitem" sx={{ maxWidth: '100%' }} />
            ))}
          </Box>
        )}
      </TableCell>
      <TableCell sx={{ maxWidth: 220, verticalAlign: 'top' }}>
        {preset.origin === 'imported' ? (
          <Typography variant="body2">imported</Typography>
        ) : (
          <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
            from <Mono>{filePath ?? 'the repository file'}</Mono>
          </Typography>
        )}
      </TableCell>
      <TableCell sx={{ maxWidth: 220, verticalAlign: 'top' }}>
        {used.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            no container in ECS mode
          </Typography>
        ) : (
          <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }} aria-label={`Containers using ${preset.name}`}>
            {used.join(', ')}
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}

/** The Presets tab: what presets are, the ones in force, import (file or paste) and export. */
export function PresetsView({
  presets,
  sources,
  loadFailed = false,
  onImported,
}: {
  presets: PresetsState | undefined;
  sources: SourceView[] | undefined;
  loadFailed?: boolean;
  /** The presets view the import answered with. */
  onImported: (view: PresetsState) => void;
}) {
  const { client, notifyError, notifySuccess } = useApi();
  const fileInput = useRef<HTMLInputElement>(null);
  const [pasting, setPasting] = useState(false);
  const [importing, setImporting] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [fileProblem, setFileProblem] = useState<{ name: string; error: unknown }>();

  const list = presets?.presets ?? [];
  const file = presets?.file;

  const importContent = async (content: string, from: string) => {
    const view = await client.importPresets(content);
    onImported(view);
    const n = view.presets.filter((p) => p.origin === 'imported').length;
    notifySuccess(`Imported ${plural(n, 'preset')} from ${from}.`);
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const picked = e.target.files?.[0];
    // The same file can be picked again after fixing it.
    e.target.value = '';
    if (!picked) return;
    setImporting(true);
    setFileProblem(undefined);
    try {
      await importContent(await readText(picked), picked.name);
    } catch (err) {
      setFileProblem({ name: picked.name, error: err });
    } finally {
      setImporting(false);
    }
  };

  const exportPresets = async () => {
    setExporting(true);
    try {
      const exported = await client.exportPresets();
      downloadText(EXPORT_FILENAME, JSON.stringify(exported, null, 2) + '\n');
      notifySuccess(`Exported ${plural(exported.presets.length, 'preset')} as ${EXPORT_FILENAME}.`);
    } catch (err) {
      notifyError(err, 'Could not export the presets');
    } finally {
      setExporting(false);
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" color="text.secondary" sx={{ flex: '1 1 420px', maxWidth: 820 }}>
          A preset says which containers get which task role and task metadata; teams keep a preset file in their
          repository, import it once, and every matching container gets it automatically. Presets hold no secrets, only
          references (a profile name, a role ARN), so a file with keys or tokens in it is refused.
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', ml: 'auto' }}>
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            hidden
            aria-label="Preset file to import"
            data-testid="preset-file-input"
            onChange={(e) => void onFile(e)}
          />
          <Button
            variant="contained"
            startIcon={importing ? <CircularProgress size={16} color="inherit" /> : <FileUploadOutlinedIcon />}
            onClick={() => fileInput.current?.click()}
            disabled={importing}
          >
            Import preset file
          </Button>
          <Button variant="outlined" startIcon={<ContentPasteIcon />} onClick={() => setPasting(true)} aria-label="Paste preset file">
            Paste
          </Button>
          <Button
            variant="outlined"
            startIcon={exporting ? <CircularProgress size={16} color="inherit" /> : <FileDownloadOutlinedIcon />}
            onClick={() => void exportPresets()}
            disabled={exporting || list.length === 0}
            aria-label="Export presets"
          >
            Export
          </Button>
        </Box>
      </Box>

      {fileProblem && (
        <ImportProblem error={fileProblem.error} title={`${fileProblem.name} was not imported`} onClose={() => setFileProblem(undefined)} />
      )}

      {file?.error && (
        <Alert severity="warning" aria-label="Repository preset file problem" sx={{ '& .MuiAlert-message': { minWidth: 0 } }}>
          <AlertTitle sx={{ overflowWrap: 'anywhere' }}>
            {file.loadedAt ? 'The last edit of ' : ''}
            <Mono>{file.path}</Mono> {file.loadedAt ? 'was not loaded' : 'is not loaded'}
          </AlertTitle>
          <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
            {file.error}
          </Typography>
          <IssueList issues={file.issues ?? []} />
          <Typography variant="body2" sx={{ mt: 1 }}>
            {file.loadedAt
              ? `The version loaded at ${new Date(file.loadedAt).toLocaleTimeString()} stays in force. Fix the file and save it: it is reloaded by itself.`
              : 'Fix the file and save it: it is reloaded by itself.'}
          </Typography>
        </Alert>
      )}

      {presets === undefined && loadFailed ? (
        <Typography variant="body2" color="text.secondary" sx={{ p: 3 }}>
          Presets will appear here once the backend answers (see the message above).
        </Typography>
      ) : presets === undefined ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, p: 3 }} role="status">
          <CircularProgress size={20} />
          <Typography variant="body2">Loading presets…</Typography>
        </Box>
      ) : list.length === 0 ? (
        <Paper variant="outlined" sx={{ px: 3, py: 2 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            No presets yet
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Import your team’s preset file, paste one, or start from the example below.
          </Typography>
        </Paper>
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Presets" sx={{ minWidth: 980 }}>
            <TableHead>
              <TableRow>
                <TableCell>Preset</TableCell>
                <TableCell>Applies to</TableCell>
                <TableCell>Credentials</TableCell>
                <TableCell>Task metadata</TableCell>
                <TableCell>From</TableCell>
                <TableCell>Used by</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.map((p) => (
                <PresetRow key={`${p.origin}-${p.name}`} preset={p} sources={sources} filePath={file?.path} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}

      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 560px) minmax(0, 1fr)' }, gap: 2, alignItems: 'start' }}>
        <CodeSnippet title={`Example preset file (${EXPORT_FILENAME})`} code={EXAMPLE_PRESET_FILE} />
        <Box sx={{ pt: { md: 4 } }}>
          <Typography variant="body2" color="text.secondary" paragraph>
            The first preset (in file order) whose <code>match</code> rules all hold applies to a container in ECS mode; a
            container can also name one with the label <code>{PRESET_LABEL}=&lt;name&gt;</code>, which puts it in ECS mode
            when it starts. A source chosen for a container on the Containers tab beats its preset.
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {file
              ? 'Presets from the repository file follow its edits; on a name clash they win over imported ones.'
              : 'Standalone, ECS_ENDPOINTS_PRESETS_FILE=<path> loads the file from your repository and follows its edits.'}{' '}
            Export writes every preset in force as one file to commit.
          </Typography>
        </Box>
      </Box>

      <PasteDialog open={pasting} onClose={() => setPasting(false)} onImport={(text) => importContent(text, 'the pasted text')} />
    </Box>
  );
}
