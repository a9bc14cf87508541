import type { Server } from 'node:http';
import type { Problem } from '@ecs-endpoints/contract';
import { VERSION } from '../backend.ts';
import type { Config } from '../config.ts';
import type { HostAwsMirror } from '../docker/host-aws.ts';
import { callerPolicy } from '../endpoints/access.ts';
import type { DataPlane } from '../endpoints/data-plane.ts';
import { dataPlaneServer, introspectionServer } from '../endpoints/http.ts';
import type { RequestLog } from '../endpoints/request-log.ts';
import { ListenError, closeAll, listenAll } from '../endpoints/servers.ts';
import { log } from '../log.ts';
import { presetProblems } from '../presets/problems.ts';
import { collectProblems } from '../status/problems.ts';
import type { TaskRunner } from '../taskdefs/runner.ts';
import type { LiveModel } from '../tasks/live-model.ts';
import { containerInstanceArn, type Dock, type State, type Status } from './rooms.ts';

/** Start (index, network, address binding, listeners) and stop, and the problems they leave. */
export function lifecycle(config: Config, s: State, d: Dock, live: LiveModel, plane: DataPlane, requests: RequestLog, status: Status, hostAws: HostAwsMirror | undefined, tasks: TaskRunner) {
  let servers: Server[] = [];
  let listenProblem: Problem | undefined;
  const problems = () => [
    ...collectProblems({
      docker: () => ({ connected: d.index.connected, lastError: d.index.lastError }),
      network: () => d.keeper.problem ?? listenProblem,
      networkWarning: () => d.keeper.warning,
      guard: () => d.guard.status,
      stores: [
        ['state-assignments', () => s.assignments.problems],
        ['state-sources', () => s.sources.problems],
        ['state-ecs-mode', () => s.choices.problems],
        ['state-discovery-names', () => s.discoveryNames.problems],
        ['state-ids', () => s.ids.problems],
        ['state-task-runs', () => tasks.problems],
        ['state-sso-tokens', () => s.ssoTokens.problems],
      ],
      presets: () => presetProblems(s.presets, (spec) => s.sources.resolveSpec(spec), d.index.all()),
    }),
    ...[hostAws?.view().error].flatMap((e) => (e ? [{ id: 'host-aws', severity: 'warning' as const, ...e }] : [])),
  ];
  const servers$ = () => {
    const nameOf = (id: string) => d.index.get(id)?.name;
    const intro = introspectionServer(() => live.current, () => ({
      cluster: config.cluster,
      containerInstanceArn: containerInstanceArn(config, s),
      version: `ecs-endpoints ${VERSION}`,
    }), callerPolicy({ subnet: config.subnet, network: config.network, hostMayCall: config.topology === 'host' }));
    return [...config.metadataPorts.map((p) => [dataPlaneServer(plane, requests, nameOf), p] as [Server, number]), [intro, config.introspectionPort] as [Server, number]];
  };
  return {
    problems,
    /**
     * If Docker is not reachable yet the first attempt fails and the index keeps retrying; start()
     * resolves once the data plane listens, or rejects with an error that needs the user.
     */
    async start(b: { listening: boolean }) {
      await d.index.start();
      await d.keeper.ensure(true);
      // Bound before the first request, so the id-less forms answer containers already running.
      await d.guard.sync();
      await hostAws?.resume();
      await tasks.resume();
      s.ssoSignIn.resume();
      try {
        servers = await listenAll(servers$(), config.address);
      } catch (err) {
        if (err instanceof ListenError) {
          // Shown in the UI's status until a later start succeeds.
          listenProblem = { id: 'listen', severity: 'error', message: err.message, remedy: err.remedy };
          status();
        }
        throw err;
      }
      listenProblem = undefined;
      b.listening = true;
      live.rebuild();
      // Not awaited: helper containers may take a while, and nothing waits for it.
      void d.faults.clearLeftovers(live.current);
      log.info('data plane listening', { address: config.address, ports: config.metadataPorts, introspection: config.introspectionPort });
      status();
    },
    async stop(b: { listening: boolean }) {
      await d.guard.stop();
      await hostAws?.stop();
      tasks.dispose();
      s.ssoSignIn.stop();
      d.index.stop();
      d.stats.stop();
      d.network.close();
      await closeAll(servers);
      servers = [];
      b.listening = false;
    },
  };
}
