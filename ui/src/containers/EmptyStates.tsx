import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { CodeSnippet } from '../common/CodeSnippet.tsx';
import { labelSnippet, networkSnippet } from './ecsEnvironment.ts';

type Where = { network?: string | undefined; address?: string | undefined };

function Snippets({ network, address }: Where) {
  return (
    <Box
      sx={{
        display: 'grid',
        gap: 2,
        gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 1fr) minmax(0, 1.4fr)' },
        mt: 2,
      }}
    >
      <CodeSnippet title="Compose: put a service in ECS mode with a label" code={labelSnippet()} />
      <CodeSnippet
        title={`Or join the ${network ?? 'ecs-endpoints'} network yourself, with the ECS environment`}
        code={networkSnippet(network, address)}
      />
    </Box>
  );
}

/** What ECS mode is, in two sentences. */
function WhatIsEcsMode({ address }: { address: string }) {
  return (
    <>
      ECS mode makes a container see what it would see on Amazon ECS: task-role credentials and task metadata at{' '}
      <code>{address}</code>. The AWS SDKs’ default credential chain finds them without any code change.
    </>
  );
}

/** No container at all on this Docker Engine. */
export function NoContainers({ network, address = '169.254.170.2' }: Where) {
  return (
    <Paper variant="outlined" sx={{ p: 3 }} component="section" aria-labelledby="no-containers-title">
      <Typography id="no-containers-title" variant="h3" component="h2" gutterBottom>
        No containers yet
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 880, mb: 1 }}>
        Containers appear here as soon as they exist on this Docker Engine (<code>docker run</code>,{' '}
        <code>docker compose up</code>). Then switch ECS mode on for the one you are working on.
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 880 }}>
        <WhatIsEcsMode address={address} /> Compose can put a service in ECS mode as it starts:
      </Typography>
      <Snippets network={network} address={address} />
    </Paper>
  );
}

/** Containers exist, none in ECS mode: a short explanation above the table. */
export function NoEcsContainersHint({ address = '169.254.170.2' }: Where) {
  return (
    <Alert severity="info" component="section" aria-labelledby="no-ecs-title" sx={{ '& .MuiAlert-message': { minWidth: 0 } }}>
      <Typography id="no-ecs-title" variant="h4" component="h2" sx={{ mb: 0.5 }}>
        No container is in ECS mode yet
      </Typography>
      <Typography variant="body2">
        <WhatIsEcsMode address={address} /> Switch it on for a container below, or let Compose do it (snippets under the
        table).
      </Typography>
    </Alert>
  );
}

/** The Compose snippets, under the table while no container is in ECS mode. */
export function ComposeSnippets({ network, address = '169.254.170.2' }: Where) {
  return (
    <Paper variant="outlined" sx={{ p: 2.5 }} component="section" aria-labelledby="compose-snippets-title">
      <Typography id="compose-snippets-title" variant="h4" component="h2">
        ECS mode from Compose
      </Typography>
      <Typography variant="body2" color="text.secondary">
        With the label, ECS Endpoints puts the service in ECS mode each time it starts. The second form does the same in plain
        Compose: you declare the network and the environment yourself.
      </Typography>
      <Snippets network={network} address={address} />
    </Paper>
  );
}
