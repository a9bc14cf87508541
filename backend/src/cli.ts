/**
 * The program: configuration from the environment and flags, the composed backend (main.ts), the
 * control API first (so the UI can say what is wrong), then the data plane, retried until Docker
 * answers. Built to dist/main.js.
 */
// First, before anything allocates enough for a full GC: see tick-shape.ts.
import './tick-shape.ts';
import { ConfigError, flagsToEnv, loadConfig, runningInContainer } from './config.ts';
import { ControlListenError, startControlServer, type ControlServer } from './control/index.ts';
import { detectTopology } from './docker/client.ts';
import { log, setLogLevel } from './log.ts';
import { composeBackend } from './main.ts';

async function main(): Promise<void> {
  let config;
  try {
    const env: Record<string, string | undefined> = { ...process.env, ...flagsToEnv(process.argv.slice(2)) };
    if ((env.ECS_ENDPOINTS_TOPOLOGY ?? 'auto') === 'auto') {
      env.ECS_ENDPOINTS_TOPOLOGY = runningInContainer() ? await detectTopology(env.ECS_ENDPOINTS_SELF) : 'host';
    }
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecs-endpoints: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  setLogLevel(config.logLevel);
  const backend = composeBackend(config);
  log.info('starting', { topology: config.topology, network: config.network, subnet: config.subnet.cidr, address: config.address, stateDir: config.stateDir });

  // The UI first, so it can show what is wrong while Docker is unreachable or the network is taken.
  let control: ControlServer;
  try {
    control = await startControlServer(backend, config);
  } catch (err) {
    if (err instanceof ControlListenError) {
      log.error(err.message, { remedy: err.remedy });
      process.exit(1);
    }
    throw err;
  }
  if (config.control.kind === 'tcp') {
    log.info(`Open ${control.url} for the ECS Endpoints UI${control.uiDir ? '' : ' (not built yet: npm run build -w ui)'}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await Promise.all([control.close(), backend.dispose()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // Docker may not be up yet (a laptop just woke, dockerd restarting): keep trying, say why.
  for (let attempt = 1; !stopping; attempt++) {
    try {
      await backend.start();
      break;
    } catch (err) {
      const e = err as Error & { remedy?: string };
      log.error(`start failed: ${e.message}`, e.remedy ? { remedy: e.remedy } : undefined);
      await backend.stop();
      await new Promise((r) => setTimeout(r, Math.min(2000 * attempt, 10_000)));
    }
  }
}

void main();
