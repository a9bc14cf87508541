#!/usr/bin/env node
// ecs-endpoints: run ECS task definitions on the running ECS Endpoints backend, from a terminal or
// CI. Talks to its control API (docs/api.md, "Tasks"): found at ECS_ENDPOINTS_CONTROL or
// 127.0.0.1:8080 (the standalone default), or --control; the per-run token is read from the UI's
// page, the way the UI itself gets it. Plain Node (no build step), so it runs from a clone.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { request } from 'node:http';

const USAGE = `Usage:
  ecs-endpoints run-task --task-definition <file|-|family:revision|arn> [--base-source <spec>] [--secret NAME=VALUE]... [--wait]
                        [--service-name <name>] [--service-connect <file>] [--service-registry <name.namespace>]...
  ecs-endpoints stop-task <task-id>
  ecs-endpoints list-tasks
Options:
  --control <host:port|unix:/path>  where the backend's control API listens (default: $ECS_ENDPOINTS_CONTROL or 127.0.0.1:8080)
  --base-source <spec>              where the task role is assumed from: profile:<name>, source:<id>, default, fake, none
  --secret NAME=VALUE               a local value for a secret (by name or valueFrom) instead of AWS; repeatable
  --wait                            follow the task until it stops; exit with its essential containers' exit code
  --service-name <name>             the ECS service it belongs to (ServiceName in its task metadata)
  --service-connect <file>          the service's serviceConnectConfiguration (create-service's JSON): its client
                                    aliases become names other containers on the network reach the task by
  --service-registry <name>         a Cloud Map name for the task (orders.local: service orders in namespace local); repeatable`;

class CliError extends Error {}

function parseArgs(argv) {
  const out = { _: [], secrets: {}, registries: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${a} needs a value.`);
      return v;
    };
    if (a === '--wait') out.wait = true;
    else if (a === '--task-definition') out.taskDefinition = value();
    else if (a === '--base-source') out.baseSource = value();
    else if (a === '--service-name') out.serviceName = value();
    else if (a === '--service-connect') out.serviceConnect = value();
    else if (a === '--service-registry') {
      const [name, ...ns] = value().split('.');
      out.registries.push({ name, ...(ns.length ? { namespace: ns.join('.') } : {}) });
    }
    else if (a === '--control') out.control = value();
    else if (a === '--secret') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq < 1) throw new CliError(`--secret takes NAME=VALUE, not "${v.replace(/=.*/, '=…')}".`);
      out.secrets[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a === '-h' || a === '--help') out.help = true;
    else if (a.startsWith('--')) throw new CliError(`Unknown option ${a}.`);
    else out._.push(a);
  }
  return out;
}

/** The control API's address: unix socket or loopback host:port. */
function target(control) {
  const c = control ?? process.env.ECS_ENDPOINTS_CONTROL ?? '127.0.0.1:8080';
  if (c.startsWith('unix:')) return { socketPath: c.slice(5), label: c };
  const m = /^(?:https?:\/\/)?([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(c);
  if (!m) throw new CliError(`--control "${c}" must be host:port or unix:/path.`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), label: `${m[1]}:${m[2]}` };
}

function call(t, method, path, { body, token } = {}) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(t.socketPath ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
        method,
        path,
        headers: {
          Host: t.socketPath ? 'localhost' : t.label,
          ...(token ? { 'X-ECS-Endpoints-Token': token } : {}),
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, text, json });
        });
      },
    );
    req.on('error', (err) =>
      reject(new CliError(`Cannot reach the ECS Endpoints control API at ${t.label}: ${err.code ?? err.message}. Start the backend (make run-standalone, or npm start), or point --control / ECS_ENDPOINTS_CONTROL at it.`)),
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    if (data) req.write(data);
    req.end();
  });
}

/** The loopback listener wants the per-run token that index.html carries; the unix socket wants none. */
async function connect(control) {
  const t = target(control);
  if (t.socketPath) return { t, token: undefined };
  const page = await call(t, 'GET', '/');
  const token = /<meta name="ecs-endpoints-token" content="([A-Za-z0-9_-]+)"/.exec(page.text)?.[1];
  if (!token) throw new CliError(`${t.label} answered, but not with the ECS Endpoints UI page (HTTP ${page.status}). Is --control right?`);
  return { t, token };
}

async function api(conn, method, path, body) {
  const r = await call(conn.t, method, path, { body, token: conn.token });
  if (r.status >= 400) {
    const issues = (r.json?.issues ?? []).map((i) => `\n  ${i.path || '(root)'}: ${i.message}`).join('');
    throw new CliError(`${r.json?.error ?? `HTTP ${r.status}`}${issues}${r.json?.remedy ? `\n${r.json.remedy}` : ''}`);
  }
  return r.json;
}

/** family, family:revision or a task definition ARN: fetched from ECS by the backend. */
const REGISTERED = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}(?::\d+)?$/;

function readDefinition(file) {
  if (!file) throw new CliError('run-task needs --task-definition <file> (what aws ecs describe-task-definition prints), - for stdin, or a registered family:revision.');
  return readJson(file, true);
}

/** A JSON file (or stdin); with `registeredOk`, undefined for a missing file named like a registered task definition. */
function readJson(file, registeredOk = false) {
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    if (registeredOk && err.code === 'ENOENT' && REGISTERED.test(file)) return undefined;
    throw new CliError(`Cannot read ${file}: ${err.code ?? err.message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${err.message}.`);
  }
}

/** Local environment files (paths, not S3 ARNs) read here, next to the definition: the backend may not see this machine's files. */
function localEnvFiles(definition, file) {
  const td = definition?.taskDefinition ?? definition;
  const base = file === '-' ? process.cwd() : dirname(resolve(file));
  const out = {};
  for (const c of td?.containerDefinitions ?? []) {
    for (const f of c?.environmentFiles ?? []) {
      const value = f?.value;
      if (typeof value !== 'string' || value.startsWith('arn:') || value in out) continue;
      try {
        out[value] = readFileSync(resolve(base, value), 'utf8');
      } catch (err) {
        throw new CliError(`Cannot read the environment file ${value} of container ${c.name} (looked in ${base}): ${err.code ?? err.message}.`);
      }
    }
  }
  return out;
}

const line = (s) => process.stdout.write(`${s}\n`);

/** Follow the task, printing each change; resolves with the exit code the command should have. */
async function follow(conn, id) {
  const seen = new Map();
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    line('stopping the task (Ctrl-C again to leave it running)…');
    void api(conn, 'POST', `/api/tasks/${id}/stop`).catch(() => undefined);
  });
  for (;;) {
    const t = await api(conn, 'GET', `/api/tasks/${id}`);
    const show = (key, text) => {
      if (seen.get(key) === text) return;
      seen.set(key, text);
      line(text);
    };
    show('task', `task ${t.id} ${t.lastStatus}`);
    for (const c of t.containers) {
      const extra = [c.exitCode !== undefined && c.status === 'STOPPED' ? `exit code ${c.exitCode}` : '', c.health && c.health !== 'UNKNOWN' ? c.health : '', c.waitingFor ? `waiting for ${c.waitingFor}` : ''].filter(Boolean).join(', ');
      show(`c:${c.name}`, `  ${c.name}: ${c.status}${extra ? ` (${extra})` : ''}`);
    }
    if (t.lastStatus === 'STOPPED') {
      line(`stopped: ${t.stoppedReason ?? ''}${t.stopCode ? ` [${t.stopCode}]` : ''}`);
      if (t.stopCode === 'TaskFailedToStart') return 1;
      const essential = t.containers.filter((c) => c.essential);
      return essential.map((c) => c.exitCode ?? 1).find((code) => code !== 0) ?? 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(argv) {
  const args = parseArgs(argv);
  const [command, ...rest] = args._;
  if (args.help || !command) {
    line(USAGE);
    return command || args.help ? 0 : 2;
  }
  if (command === 'run-task') {
    const conn = await connect(args.control);
    let taskDefinition = readDefinition(args.taskDefinition);
    if (taskDefinition === undefined) {
      // Not a file: a registered definition, described by the backend with the base source's credentials.
      taskDefinition = await api(conn, 'POST', '/api/tasks/describe', { taskDefinition: args.taskDefinition, ...(args.baseSource ? { source: args.baseSource } : {}) });
      line(`fetched ${args.taskDefinition} from ECS`);
    }
    const files = localEnvFiles(taskDefinition, args.taskDefinition);
    const body = {
      taskDefinition,
      ...(args.baseSource ? { baseSource: args.baseSource } : {}),
      ...(Object.keys(args.secrets).length ? { secretOverrides: args.secrets } : {}),
      ...(Object.keys(files).length ? { environmentFileContents: files } : {}),
      ...(args.serviceName ? { serviceName: args.serviceName } : {}),
      // The configuration itself, or create-service's input that holds it.
      ...(args.serviceConnect ? { serviceConnect: ((j) => j.serviceConnectConfiguration ?? j)(readJson(args.serviceConnect)) } : {}),
      ...(args.registries.length ? { serviceRegistries: args.registries } : {}),
    };
    const t = await api(conn, 'POST', '/api/tasks', body);
    line(`task ${t.id} (${t.family}:${t.revision}, ${t.networkMode}) started`);
    for (const w of t.warnings) line(`warning: ${w}`);
    if (!args.wait) {
      line(t.taskArn);
      return 0;
    }
    return follow(conn, t.id);
  }
  if (command === 'stop-task') {
    if (!rest[0]) throw new CliError('stop-task needs the task id (see list-tasks).');
    const t = await api(await connect(args.control), 'POST', `/api/tasks/${encodeURIComponent(rest[0])}/stop`);
    line(`task ${t.id} ${t.lastStatus}: ${t.stoppedReason ?? ''}`);
    return 0;
  }
  if (command === 'list-tasks') {
    const tasks = await api(await connect(args.control), 'GET', '/api/tasks');
    if (!tasks.length) line('no tasks');
    for (const t of tasks) line(`${t.id}  ${t.family}:${t.revision}  ${t.lastStatus}${t.stoppedReason ? `  (${t.stoppedReason})` : ''}`);
    return 0;
  }
  throw new CliError(`Unknown command "${command}".\n${USAGE}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`ecs-endpoints: ${err instanceof CliError ? err.message : err.stack}\n`);
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
