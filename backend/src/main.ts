import { EventEmitter } from 'node:events';
import type { Backend } from './backend.ts';
import { lifecycle } from './compose/lifecycle.ts';
import { dataPlane, discoveryNames, dockerRoom, ecsModeService, hostAwsMirror, sourcesInUse, stateAndCredentials, taskModel, taskRunner, type BackendOptions } from './compose/rooms.ts';
import type { Config } from './config.ts';
import { processRoots } from './credentials/process-chain.ts';
import { RequestLog } from './endpoints/request-log.ts';
import type { TaskModel } from './tasks/types.ts';

export type { BackendOptions } from './compose/rooms.ts';

/**
 * The composition root: every room's service, wired to the narrow functions the others need.
 * Data flows one way: Docker events → container index → task model (with each container's
 * effective source) → data-plane answers; policy lives in the rooms, not here.
 */
export function composeBackend(config: Config, opts: BackendOptions = {}): Backend {
  const events = new EventEmitter<{ model: [TaskModel]; status: [] }>();
  const status = () => events.emit('status');
  const s = stateAndCredentials(config, opts);
  const d = dockerRoom(config, opts, status);
  const { live, sourceOf } = taskModel(config, s, d);
  const discovery = discoveryNames(config, s, d, live);
  const ecsMode = ecsModeService(config, s, d, live, discovery);
  const requests = new RequestLog();
  const plane = dataPlane(config, s, d, live, ecsMode);
  const hostAws = hostAwsMirror(config, s, d);
  const tasks = taskRunner(config, s, d, discovery);
  s.hostProcesses?.setInUse(() => processRoots(s.broker.awsConfigFiles, s.sources.profilesBehind(sourcesInUse(s, live))));

  // One way: Docker events → index → model → (stats, guard, auto-attach, live clients).
  live.on('model', (model) => {
    if (d.index.connected && d.index.syncs > 0) {
      const liveIds = new Set([...d.index.all()].map((r) => r.id));
      s.ids.commit(liveIds, new Set([...model.tasks.map((t) => t.key), 'container-instance']));
      s.choices.prune(liveIds);
    }
    d.stats.track(model.tasks.flatMap((t) => t.containers.filter((c) => c.record.state === 'running').map((c) => c.record.id)));
    ecsMode.autoAttach();
    d.faults.onModel(model);
    if (d.keeper.ready) discovery.reconcile();
    events.emit('model', model);
  });
  d.index.on('change', () => {
    live.schedule();
    tasks.reconcile();
    if (d.keeper.ready) d.guard.request();
  });
  // Labelled containers join before they start, when the event comes in time (issue 13).
  d.index.on('created', (id, attributes) => ecsMode.attachOnCreate(id, attributes));
  d.index.on('status', (connected) => {
    status();
    // After a daemon restart the network (or our attachment to it) may be gone.
    if (connected && backend.listening) void d.keeper.ensure();
  });
  // A person's change (rare): rebuilt at once, so the answer to the request that made it shows it.
  for (const changed of [s.presets, s.sourcesService, s.assignments, s.discoveryNames] as EventEmitter[]) changed.on('change', () => live.rebuild());
  s.presets.on('change', status);
  d.guard.on('status', status);

  hostAws?.on('change', status);
  const run = lifecycle(config, s, d, live, plane, requests, status, hostAws, tasks);
  const backend = Object.assign(events, {
    config, ...d, ...s, ecsMode, discovery, plane, requests, hostAws, tasks,
    listening: false,
    sourcesInUse: () => sourcesInUse(s, live),
    problems: () => run.problems(),
    sourceOf,
    rebuild: () => live.rebuild(),
    start: () => run.start(backend),
    stop: () => run.stop(backend),
    dispose: async () => {
      await run.stop(backend);
      s.presets.close();
    },
  }) as unknown as Backend;
  // Live views (Object.assign would copy their values once).
  Object.defineProperties(backend, {
    model: { get: () => live.current, enumerable: true },
    networkReady: { get: () => d.keeper.ready, enumerable: true },
  });
  return backend;
}
