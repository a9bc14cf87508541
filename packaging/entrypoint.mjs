// The image's entry point (PID 1). It starts as root, checks whether the backend can do its work as
// the unprivileged user `node` (uid/gid 1000), drops to it if so, and then runs the backend in this
// same process. The backend needs:
//   - the Docker socket: readable and writable by uid 1000 or by one of its groups (the socket's
//     group is added as a supplementary group, whatever its number);
//   - its listening ports: ports below net.ipv4.ip_unprivileged_port_start need root. Docker sets
//     that sysctl to 0 in every container network namespace it creates (Engine 20.10+), so port 80
//     is fine on a bridge network; with --network host the host's value (usually 1024) applies;
//   - a writable directory for the control socket and for the state directory.
// When one of them is missing the backend stays root and says why on stderr. Set
// ECS_ENDPOINTS_RUN_AS=root to skip the check. File capabilities (setcap) are not used: they need
// libcap tools in the image and a file system that keeps xattrs, which neither every base image
// nor the legacy builder guarantees.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const UID = 1000;
const GID = 1000;
const env = process.env;

function say(msg) {
  process.stderr.write(`${new Date().toISOString()} INFO  entrypoint: ${msg}\n`);
}

/** Can uid 1000 with these groups do `need` (bits of rwx: 4, 2, 1) on a file with this stat? */
function allowed(st, groups, need) {
  const mode = st.mode & 0o777;
  if (st.uid === UID) return ((mode >> 6) & need) === need;
  if (st.gid === GID || groups.includes(st.gid)) return ((mode >> 3) & need) === need;
  return (mode & need) === need;
}

/** The nearest existing directory at or above path (the backend creates the rest). */
function existingDir(path) {
  let p = path;
  while (!existsSync(p)) p = dirname(p);
  return p;
}

function plan() {
  const reasons = [];
  const groups = [];
  const container = env.ECS_ENDPOINTS_TOPOLOGY === 'container' || (env.ECS_ENDPOINTS_TOPOLOGY !== 'host' && existsSync('/.dockerenv'));

  const dockerHost = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (dockerHost.startsWith('unix://')) {
    const sock = dockerHost.slice('unix://'.length);
    try {
      const st = statSync(sock);
      if (!allowed(st, [], 6)) {
        if (((st.mode >> 3) & 6) === 6) groups.push(st.gid);
        else reasons.push(`the Docker socket ${sock} (owner ${st.uid}:${st.gid}, mode ${(st.mode & 0o777).toString(8)}) is open to root only`);
      }
    } catch {
      // Not mounted: the backend reports it and keeps retrying; privileges do not change that.
    }
  }

  let unprivilegedFrom = 1024;
  try {
    unprivilegedFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    // Older kernels: 1024.
  }
  const ports = [...(env.ECS_ENDPOINTS_METADATA_PORTS ?? '80,51679').split(','), env.ECS_ENDPOINTS_INTROSPECTION_PORT ?? '51678'].map(Number);
  const control = env.ECS_ENDPOINTS_CONTROL ?? (container ? 'unix:/run/guest-services/backend.sock' : '127.0.0.1:8080');
  const dirs = [env.ECS_ENDPOINTS_STATE_DIR ?? '/data'];
  if (control.startsWith('unix:')) dirs.push(dirname(control.slice('unix:'.length)));
  else ports.push(Number(control.slice(control.lastIndexOf(':') + 1)));
  const low = ports.filter((p) => p > 0 && p < unprivilegedFrom);
  if (low.length) reasons.push(`port ${low.join(', ')} is below net.ipv4.ip_unprivileged_port_start (${unprivilegedFrom})`);

  for (const dir of dirs) {
    const at = existingDir(dir);
    if (!allowed(statSync(at), groups, 3)) reasons.push(`${at} is not writable by uid ${UID}`);
  }
  return { reasons, groups };
}

// One place for the person's AWS folder whoever the backend runs as: the README mounts ~/.aws at
// /home/node/.aws, and the SDKs find profiles and the SSO token cache under $HOME/.aws.
env.HOME = '/home/node';

if (process.getuid?.() === 0 && env.ECS_ENDPOINTS_RUN_AS !== 'root') {
  const { reasons, groups } = plan();
  if (reasons.length) {
    say(`running as root: ${reasons.join('; ')}`);
  } else {
    process.setgroups([GID, ...groups]);
    process.setgid(GID);
    process.setuid(UID);
    env.USER = 'node';
    say(`running as uid ${UID} (node)${groups.length ? ` with the Docker socket's group ${groups.join(', ')}` : ''}`);
  }
}

await import('./backend/dist/main.js');
