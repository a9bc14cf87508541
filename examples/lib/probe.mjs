// The examples' stand-in for an application, in plain Node (no packages):
//   probe.mjs idle                      wait (the app's process), exit on SIGTERM
//   probe.mjs serve <port> <name>       answer every request with {"service": name, "host": hostname}
//   probe.mjs get <url>                 print the body; exit 1 unless HTTP 200
//   probe.mjs expect <url> <path>=<regex> ...
//                                       fetch JSON and check each dotted path (a.b.0.c) against a
//                                       regular expression; print what it checked, exit 1 on a miss
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const [cmd, ...args] = process.argv.slice(2);
process.on('SIGTERM', () => process.exit(0));

async function fetchOk(url) {
  const r = await fetch(url);
  const text = await r.text();
  if (r.status !== 200) {
    console.error(`${url}: HTTP ${r.status} ${text}`);
    process.exit(1);
  }
  return text;
}

const at = (v, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), v);

if (cmd === 'idle') {
  setInterval(() => {}, 1 << 30);
} else if (cmd === 'serve') {
  const [port, name] = args;
  createServer((_q, s) => s.end(JSON.stringify({ service: name, host: hostname() }))).listen(Number(port));
} else if (cmd === 'get') {
  process.stdout.write(await fetchOk(args[0]));
} else if (cmd === 'expect') {
  const [url, ...checks] = args;
  const doc = JSON.parse(await fetchOk(url));
  let failed = false;
  for (const c of checks) {
    const i = c.indexOf('=');
    const path = c.slice(0, i);
    const value = at(doc, path);
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    const good = value !== undefined && new RegExp(c.slice(i + 1)).test(shown);
    failed ||= !good;
    const brief = shown && shown.length > 100 ? `${shown.slice(0, 100)}…` : shown;
    console.log(`${good ? 'ok' : 'not ok'} - ${url} ${path} = ${brief}${good ? '' : ` (expected /${c.slice(i + 1)}/)`}`);
  }
  process.exit(failed ? 1 : 0);
} else {
  console.error('usage: probe.mjs idle | serve <port> <name> | get <url> | expect <url> <path>=<regex> ...');
  process.exit(2);
}
