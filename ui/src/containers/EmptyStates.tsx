import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { CodeSnippet } from '../common/CodeSnippet.tsx';
import { labelSnippet, networkSnippet } from './ecsEnvironment.ts';

function Snippets({ network, address }: { network?: string | undefined; address?: string | undefined }) {
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

function explainEcsMode(address: string) {
  return (
    <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 880 }}>
      ECS mode makes a container see what it would see on Amazon ECS: task-role credentials and task metadata at{' '}
      <code>{address}</code>, found by the AWS SDKs’ default credential chain without any code change. Switch it on for a
      container below, choose where its credentials come from, or have Compose do it for you:
    </Typography>
  );
}

/** No container at all on this Docker Engine. */
export function NoContainers({ network, address = '169.254.170.2' }: { network?: string | undefined; address?: string | undefined }) {
  return (
    <Paper variant="outlined" sx={{ p: 3 }} component="section" aria-labelledby="no-containers-title">
      <Typography id="no-containers-title" variant="h3" component="h2" gutterBottom>
        No containers yet
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 880, mb: 1 }}>
        Containers appear here as soon as they exist on this Docker Engine (<code>docker run</code>, <code>docker compose up</code>).
      </Typography>
      {explainEcsMode(address)}
      <Snippets network={network} address={address} />
    </Paper>
  );
}

/** Containers exist, none in ECS mode. */
export function NoEcsContainers({ network, address = '169.254.170.2' }: { network?: string | undefined; address?: string | undefined }) {
  return (
    <Paper variant="outlined" sx={{ p: 2.5 }} component="section" aria-labelledby="no-ecs-title">
      <Typography id="no-ecs-title" variant="h4" component="h2" gutterBottom>
        No container is in ECS mode yet
      </Typography>
      {explainEcsMode(address)}
      <Snippets network={network} address={address} />
    </Paper>
  );
}
