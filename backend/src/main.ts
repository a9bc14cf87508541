import { Backend } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { log, setLogLevel } from './log.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecs-endpoints: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  setLogLevel(config.logLevel);
  const backend = new Backend(config);
  log.info('starting', { topology: config.topology, network: config.network, subnet: config.subnet.cidr, address: config.address, stateDir: config.stateDir });

  // Docker may not be up yet (a laptop just woke, dockerd restarting): keep trying, say why.
  for (let attempt = 1; ; attempt++) {
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

  const shutdown = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await backend.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
