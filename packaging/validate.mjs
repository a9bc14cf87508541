#!/usr/bin/env node
// Checks a Docker Desktop extension against Docker's documented rules, without the docker extension
// CLI plugin: metadata.json (the extension metadata JSON schema: allowed keys only, icon, ui, vm,
// host), the VM compose file, and the image labels (extensions-sdk/extensions/labels).
//
//   node packaging/validate.mjs [--repo DIR] [--build-arg K=V ...]   a checkout: metadata.json and
//                                                                  the files it names, the labels
//                                                                  of the Dockerfile's final stage
//   node packaging/validate.mjs --image NAME[:TAG]                  a built image: its labels, and
//                                                                  the files inside it
// Prints one line per problem; exits 1 when there is an error, 0 otherwise (warnings included).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { LineCounter, Scalar, isAlias, isCollection, isScalar, parseDocument, visit } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Rules

export const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
  'org.opencontainers.image.vendor',
  'com.docker.desktop.extension.api.version',
  'com.docker.desktop.extension.icon',
  'com.docker.extension.screenshots',
  'com.docker.extension.detailed-description',
  'com.docker.extension.publisher-url',
  'com.docker.extension.changelog',
];

export const CATEGORIES = [
  'ci-cd',
  'container-orchestration',
  'cloud-deployment',
  'cloud-development',
  'database',
  'kubernetes',
  'networking',
  'image-registry',
  'security',
  'testing-tools',
  'utility-tools',
  'volumes',
];

/** A problem: level 'error' fails validation, 'warning' does not. */
const err = (where, message) => ({ level: 'error', where, message });
const warn = (where, message) => ({ level: 'warning', where, message });

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v) => typeof v === 'string' && v.trim() !== '';

/** Reports keys outside `allowed` the way the schema validator words it. */
function onlyKeys(obj, allowed, path, out) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) out.push(err('metadata.json', `${path}: Additional property ${k} is not allowed`));
  }
}

function requireString(obj, key, path, out) {
  if (!nonEmptyString(obj[key])) out.push(err('metadata.json', `${path}: ${key} is required and must be a non-empty string`));
}

/** A socket name is a file name in /run/guest-services, not a path. */
function socketName(v, path, out) {
  if (!nonEmptyString(v) || v.includes('/')) out.push(err('metadata.json', `${path}: must be a file name such as backend.sock (the socket is created in /run/guest-services/)`));
}

/**
 * metadata.json against the extension metadata schema, then the cross-checks Docker Desktop relies
 * on. `files.exists(path)` answers for paths as metadata.json names them (relative to the image
 * root); `files.read(path)` returns a file's text.
 */
export function validateMetadata(meta, files) {
  const out = [];
  if (!isObject(meta)) return [err('metadata.json', '(root): must be a JSON object')];
  onlyKeys(meta, ['icon', 'ui', 'vm', 'host'], '(root)', out);

  if (!nonEmptyString(meta.icon)) out.push(err('metadata.json', '(root): icon is required (a .svg, .png or .jpg file in the image)'));
  else if (!files.exists(meta.icon)) out.push(err('metadata.json', `icon: ${meta.icon} does not exist`));

  const tab = meta.ui?.['dashboard-tab'];
  if (meta.ui !== undefined) {
    if (!isObject(meta.ui)) out.push(err('metadata.json', 'ui: must be an object'));
    else {
      onlyKeys(meta.ui, ['dashboard-tab'], 'ui', out);
      if (!isObject(tab)) out.push(err('metadata.json', 'ui: dashboard-tab is required and must be an object'));
      else {
        onlyKeys(tab, ['title', 'root', 'src', 'backend'], 'ui.dashboard-tab', out);
        for (const k of ['title', 'root', 'src']) requireString(tab, k, 'ui.dashboard-tab', out);
        if (tab.backend !== undefined) {
          if (!isObject(tab.backend)) out.push(err('metadata.json', 'ui.dashboard-tab.backend: must be an object'));
          else {
            onlyKeys(tab.backend, ['socket'], 'ui.dashboard-tab.backend', out);
            socketName(tab.backend.socket, 'ui.dashboard-tab.backend.socket', out);
          }
        }
        if (nonEmptyString(tab.root) && nonEmptyString(tab.src)) {
          if (!files.exists(tab.root, 'dir')) out.push(err('metadata.json', `ui.dashboard-tab.root: ${tab.root} does not exist`));
          else if (!files.exists(posix.join(tab.root, tab.src))) out.push(err('metadata.json', `ui.dashboard-tab.src: ${posix.join(tab.root, tab.src)} does not exist`));
        }
      }
    }
  }

  const vm = meta.vm;
  if (vm !== undefined) {
    if (!isObject(vm)) out.push(err('metadata.json', 'vm: must be an object'));
    else {
      onlyKeys(vm, ['image', 'composefile', 'exposes'], 'vm', out);
      if ((vm.image === undefined) === (vm.composefile === undefined)) out.push(err('metadata.json', 'vm: exactly one of image or composefile is required'));
      if (vm.image !== undefined && !nonEmptyString(vm.image)) out.push(err('metadata.json', 'vm.image: must be a non-empty string (usually ${DESKTOP_PLUGIN_IMAGE})'));
      if (vm.exposes !== undefined) {
        if (!isObject(vm.exposes)) out.push(err('metadata.json', 'vm.exposes: must be an object'));
        else {
          onlyKeys(vm.exposes, ['socket'], 'vm.exposes', out);
          socketName(vm.exposes.socket, 'vm.exposes.socket', out);
        }
      }
      if (vm.composefile !== undefined) {
        if (!nonEmptyString(vm.composefile)) out.push(err('metadata.json', 'vm.composefile: must be a non-empty string'));
        else if (!files.exists(vm.composefile)) out.push(err('metadata.json', `vm.composefile: ${vm.composefile} does not exist`));
        else out.push(...validateCompose(files.read(vm.composefile), vm.composefile));
      }
    }
  }

  const vmSocket = vm?.exposes?.socket;
  const uiSocket = tab?.backend?.socket;
  if (uiSocket !== undefined && vmSocket === undefined) out.push(err('metadata.json', 'ui.dashboard-tab.backend.socket is set but vm.exposes.socket is not: the UI would call a socket nothing serves'));
  else if (vmSocket !== undefined && uiSocket !== undefined && vmSocket !== uiSocket) out.push(err('metadata.json', `vm.exposes.socket (${vmSocket}) and ui.dashboard-tab.backend.socket (${uiSocket}) must name the same socket`));
  else if (vmSocket !== undefined && uiSocket === undefined && tab) out.push(warn('metadata.json', 'ui.dashboard-tab.backend.socket is not set: ddClient.extension.vm.service will not reach the backend'));

  if (meta.host !== undefined) {
    if (!isObject(meta.host)) out.push(err('metadata.json', 'host: must be an object'));
    else {
      onlyKeys(meta.host, ['binaries'], 'host', out);
      if (!Array.isArray(meta.host.binaries)) out.push(err('metadata.json', 'host.binaries: must be an array'));
      else
        meta.host.binaries.forEach((entry, i) => {
          if (!isObject(entry)) return out.push(err('metadata.json', `host.binaries.${i}: must be an object`));
          onlyKeys(entry, ['darwin', 'windows', 'linux'], `host.binaries.${i}`, out);
          for (const [os, list] of Object.entries(entry)) {
            if (!Array.isArray(list)) {
              out.push(err('metadata.json', `host.binaries.${i}.${os}: must be an array of {"path": ...}`));
              continue;
            }
            list.forEach((b, j) => {
              const where = `host.binaries.${i}.${os}.${j}`;
              if (!isObject(b)) return out.push(err('metadata.json', `${where}: must be an object`));
              onlyKeys(b, ['path'], where, out);
              if (!nonEmptyString(b.path)) out.push(err('metadata.json', `${where}: path is required`));
              else if (!files.exists(b.path)) out.push(err('metadata.json', `${where}.path: ${b.path} does not exist`));
            });
          }
        });
    }
  }
  return out;
}

const COMPOSE_TOP_KEYS = ['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include'];

/** The VM compose file: YAML that Compose accepts, with services; plus this project's own rule. */
export function validateCompose(text, where = 'compose file') {
  const out = [];
  let doc;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return [err(where, e.message)];
  }
  if (!isObject(doc)) return [err(where, 'must be a mapping with services')];
  for (const k of Object.keys(doc)) if (!COMPOSE_TOP_KEYS.includes(k) && !k.startsWith('x-')) out.push(err(where, `(root): Additional property ${k} is not allowed`));
  if (!isObject(doc.services) || Object.keys(doc.services).length === 0) return [...out, err(where, 'services: at least one service is required')];
  const declaredVolumes = isObject(doc.volumes) ? Object.keys(doc.volumes) : [];
  Object.entries(doc.services).forEach(([name, svc], i) => {
    if (!isObject(svc)) return out.push(err(where, `services.${name}: must be a mapping`));
    if (!nonEmptyString(svc.image) && svc.build === undefined) out.push(err(where, `services.${name}: image (or build) is required`));
    if (i === 0 && nonEmptyString(svc.image) && !svc.image.includes('${DESKTOP_PLUGIN_IMAGE}'))
      out.push(warn(where, `services.${name}.image is ${svc.image}: the first service is the backend the SDK talks to, usually \${DESKTOP_PLUGIN_IMAGE}`));
    for (const v of Array.isArray(svc.volumes) ? svc.volumes : []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v?.source;
      if (source && !/^[./~$]/.test(source) && !declaredVolumes.includes(source)) out.push(err(where, `services.${name}.volumes: named volume ${source} is not declared under volumes`));
    }
  });
  // This project's rule: the 169.254.170.0/24 network belongs to the backend, which creates it and
  // attaches itself at run time; a compose-managed one breaks extension update and uninstall while
  // user containers are attached to it.
  if (/169\.254\.170\./.test(JSON.stringify(doc.networks ?? {})))
    out.push(err(where, 'networks: do not declare the 169.254.170.0/24 network here; the backend manages it at run time'));
  return out;
}

const SEMVER = String.raw`v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
const COMPARATOR = String.raw`(?:=|!=|>=|<=|>|<|~>|~|\^)?\s*${SEMVER}`;
const CONSTRAINT = new RegExp(String.raw`^\s*${COMPARATOR}(?:\s*,?\s*${COMPARATOR})*(?:\s*\|\|\s*${COMPARATOR}(?:\s*,?\s*${COMPARATOR})*)*\s*$`);

function httpsUrl(v) {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A label holding a JSON array of objects with exactly these string keys, URLs in https. */
function jsonList(labels, key, fields, out) {
  let list;
  try {
    list = JSON.parse(labels[key]);
  } catch (e) {
    return out.push(err(key, `must be a JSON array like [${'{' + fields.map((f) => `"${f}":"…"`).join(',') + '}'}]: ${e.message}`));
  }
  if (!Array.isArray(list) || list.length === 0) return out.push(err(key, 'must be a non-empty JSON array'));
  list.forEach((item, i) => {
    if (!isObject(item)) return out.push(err(key, `[${i}] must be an object with ${fields.join(' and ')}`));
    for (const f of fields) if (!nonEmptyString(item[f])) out.push(err(key, `[${i}].${f} is required`));
    for (const f of Object.keys(item)) if (!fields.includes(f)) out.push(err(key, `[${i}]: unexpected key ${f} (expected ${fields.join(', ')})`));
    if (nonEmptyString(item.url) && !httpsUrl(item.url)) out.push(err(key, `[${i}].url must be an https URL, got ${item.url}`));
  });
}

/** The image labels Docker Desktop reads (extensions-sdk/extensions/labels). */
export function validateLabels(labels) {
  const out = [];
  const l = labels ?? {};
  for (const k of REQUIRED_LABELS) {
    if (l[k] === undefined) out.push(err(k, 'mandatory image label is missing'));
    else if (!nonEmptyString(l[k])) out.push(err(k, 'mandatory image label is empty'));
  }
  const title = l['org.opencontainers.image.title'];
  if (nonEmptyString(title) && /extension/i.test(title)) out.push(err('org.opencontainers.image.title', `title "${title}" should not include "extension"`));
  const api = l['com.docker.desktop.extension.api.version'];
  if (nonEmptyString(api) && !CONSTRAINT.test(api)) out.push(err('com.docker.desktop.extension.api.version', `"${api}" is not a semantic version or constraint such as ">= 0.3.4"`));
  const icon = l['com.docker.desktop.extension.icon'];
  if (nonEmptyString(icon)) {
    if (!httpsUrl(icon)) out.push(err('com.docker.desktop.extension.icon', `must be an https URL, got ${icon}`));
    else if (!/\.(svg|png|jpe?g)$/i.test(new URL(icon).pathname)) out.push(err('com.docker.desktop.extension.icon', 'must point to a .svg, .png or .jpg image'));
  }
  if (nonEmptyString(l['com.docker.extension.screenshots'])) jsonList(l, 'com.docker.extension.screenshots', ['alt', 'url'], out);
  const publisher = l['com.docker.extension.publisher-url'];
  if (nonEmptyString(publisher) && !httpsUrl(publisher)) out.push(err('com.docker.extension.publisher-url', `must be an https URL, got ${publisher}`));
  if (l['com.docker.extension.additional-urls'] === undefined || l['com.docker.extension.additional-urls'] === '')
    out.push(warn('com.docker.extension.additional-urls', 'not specified: documentation, support, terms and privacy links are recommended'));
  else jsonList(l, 'com.docker.extension.additional-urls', ['title', 'url'], out);
  const categories = l['com.docker.extension.categories'];
  if (categories === undefined) out.push(warn('com.docker.extension.categories', 'not specified: the extension will not show up when users filter by category'));
  else
    for (const c of categories.split(',').map((s) => s.trim())) {
      if (!CATEGORIES.includes(c)) out.push(err('com.docker.extension.categories', `"${c}" is not one of ${CATEGORIES.join(', ')}`));
    }
  const account = l['com.docker.extension.account-info'];
  if (account !== undefined && account !== '' && account !== 'required') out.push(err('com.docker.extension.account-info', 'must be "required" or empty'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile: the labels and COPY destinations of the final stage. dockerfile-ast reads the
// structure (instructions, line continuations, comments, parser directives, flags, key=value
// pairs); lex() below does Docker's quoting and variable substitution on the raw values, which the
// parser leaves to the caller (only the caller knows the build arguments).

/**
 * Logical instructions: continuation lines joined, comments and parser directives dropped; `args`
 * is the source text after the keyword (flags first, quotes and escapes as written).
 */
export function dockerfileInstructions(text) {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => ({ op: i.getKeyword(), args: [...(i.getFlags?.() ?? []).map(String), i.getArgumentsContent() ?? ''].join(' ').trim() }));
}

/** $X, ${X}, ${X:-default}, ${X:+alt} as the Dockerfile shell lexer expands them. */
function expand(s, vars) {
  return s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, braced, op, word, bare) => {
    const name = braced ?? bare;
    const v = vars[name];
    if (op === '-') return v ? v : expand(word, vars);
    if (op === '+') return v ? expand(word, vars) : '';
    return v ?? '';
  });
}

/**
 * Docker's word processing of raw instruction text: "..." expands and unescapes \" \\ \$, '...' is
 * literal, the escape character takes the next character literally, everything else expands.
 * Unquoted whitespace separates words; with `split` false it is kept (one value, e.g. ENV k v w).
 */
function lex(raw, vars, esc = '\\', split = true) {
  const args = raw.replace(new RegExp(`${esc.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\r?\\n`, 'g'), '');
  const out = [];
  let i = 0;
  while (i < args.length) {
    if (split) while (i < args.length && /\s/.test(args[i])) i++;
    if (i >= args.length) break;
    let word = '';
    while (i < args.length && !(split && /\s/.test(args[i]))) {
      const c = args[i];
      if (c === '"') {
        let j = i + 1;
        let chunk = '';
        while (j < args.length && args[j] !== '"') {
          if (args[j] === esc && j + 1 < args.length && `"${esc}$`.includes(args[j + 1])) {
            chunk += args[j + 1] === '$' ? '\uE000' : args[j + 1];
            j += 2;
          } else chunk += args[j++];
        }
        if (j >= args.length) throw new Error(`unterminated double quote in: ${args.slice(0, 80)}`);
        word += expand(chunk, vars).replace(/\uE000/g, '$');
        i = j + 1;
      } else if (c === "'") {
        const j = args.indexOf("'", i + 1);
        if (j < 0) throw new Error(`unterminated single quote in: ${args.slice(0, 80)}`);
        word += args.slice(i + 1, j);
        i = j + 1;
      } else if (c === esc && i + 1 < args.length) {
        word += args[i + 1];
        i += 2;
      } else {
        let j = i + 1;
        while (j < args.length && !(split && /\s/.test(args[j])) && !`"'${esc}`.includes(args[j])) j++;
        word += expand(args.slice(i, j), vars);
        i = j;
      }
    }
    out.push(word);
  }
  return out;
}

/**
 * The final stage of a Dockerfile: its labels (including labels of an earlier stage it is built
 * FROM) and the destinations of its COPY/ADD instructions with their sources.
 */
export function dockerfileFinalStage(text, buildArgs = {}) {
  const df = DockerfileParser.parse(text);
  const esc = df.getEscapeCharacter();
  const value = (raw, vars) => (raw === null ? undefined : lex(raw, vars, esc, false)[0] ?? '');
  const globals = {};
  const stages = [];
  let stage;
  for (const ins of df.getInstructions()) {
    const op = ins.getKeyword();
    if (op === 'FROM') {
      const base = lex(ins.getImage() ?? '', { ...globals, ...buildArgs }, esc)[0];
      // Stage names are case-insensitive.
      const alias = ins.getBuildStage()?.toLowerCase() ?? undefined;
      const parent = stages.find((s) => s.alias && s.alias === base?.toLowerCase());
      stage = { alias, labels: { ...(parent?.labels ?? {}) }, copies: [], vars: { ...(parent?.vars ?? {}) } };
      stages.push(stage);
    } else if (op === 'ARG') {
      for (const p of ins.getProperties()) {
        const key = p.getName();
        const def = value(p.getUnescapedValue(), stage ? stage.vars : globals);
        const v = buildArgs[key] ?? def ?? (stage ? globals[key] : undefined);
        if (v !== undefined) (stage ? stage.vars : globals)[key] = v;
      }
    } else if (!stage) {
      continue;
    } else if (op === 'ENV') {
      for (const p of ins.getProperties()) stage.vars[p.getName()] = value(p.getUnescapedValue(), stage.vars) ?? '';
    } else if (op === 'LABEL') {
      for (const p of ins.getProperties()) {
        const v = value(p.getUnescapedValue(), stage.vars);
        if (v === undefined) throw new Error(`LABEL: cannot read "${p.getName().slice(0, 60)}" as key=value`);
        stage.labels[p.getName()] = v;
      }
    } else if (op === 'COPY' || op === 'ADD') {
      // Heredoc sources are written inline, not taken from the build context.
      if (ins.getHeredocs().length) continue;
      const from = ins.getFlags().find((f) => f.getName() === 'from')?.getValue() ?? undefined;
      const content = ins.getArgumentsContent() ?? '';
      const paths = ins.getJSONStrings().length ? JSON.parse(content) : lex(content, stage.vars, esc);
      stage.copies.push({ from, sources: paths.slice(0, -1), dest: paths.at(-1) });
    }
  }
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

/** Does the final stage put `path` (relative to the image root) into the image? */
function copiedInto(stage, path, what = 'file') {
  const target = posix.normalize('/' + path).replace(/\/$/, '');
  return stage.copies.some(({ sources, dest }) => {
    const d = posix.normalize(dest.startsWith('/') ? dest : '/' + dest).replace(/\/$/, '') || '/';
    if (what === 'dir') return d === target;
    // COPY a b c /  → /a, /b, /c ; COPY x /target → /target
    return d === target || sources.some((s) => posix.join(d, posix.basename(s)) === target);
  });
}

/** The checkout path the final stage copies to `path` in the image (a single-source COPY from the context), if any. */
function copySource(stage, path) {
  const target = posix.normalize('/' + path);
  for (const { from, sources, dest } of stage.copies) {
    if (from || sources.length !== 1) continue;
    const d = posix.normalize(dest.startsWith('/') ? dest : '/' + dest);
    if (d === target) return posix.normalize(sources[0]);
    if (dest.endsWith('/') && posix.join(d, posix.basename(sources[0])) === target) return posix.normalize(sources[0]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// YAML, read with the `yaml` package (YAML 1.2, as Compose reads it).

/**
 * One YAML document as plain data; a syntax error, a duplicate key or a second document is an
 * Error "line N: what". The compose file also stays plain block YAML, the rule the hand-written
 * reader this replaced enforced: no flow collections, anchors, aliases, tags or block scalars.
 */
export function parseYaml(text) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fail = (offset, message) => {
    // The library's messages start with a capital; ours read "line N: lower-case message".
    throw new Error(`line ${lineCounter.linePos(offset).line}: ${/^[A-Z][a-z]/.test(message) ? message[0].toLowerCase() + message.slice(1) : message}`);
  };
  const [first] = doc.errors;
  if (first) fail(first.pos[0], first.message);
  visit(doc, {
    Node(_, node) {
      const fancy =
        isAlias(node) ||
        node.anchor ||
        node.tag ||
        (isCollection(node) && node.flow) ||
        (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED));
      if (fancy) {
        const [start, end] = node.range ?? [0, 0];
        fail(start, `flow collections, anchors, tags and block scalars are not supported here: ${text.slice(start, end).split('\n')[0].slice(0, 80)}`);
      }
    },
  });
  return doc.toJS();
}

// ---------------------------------------------------------------------------------------------
// Sources: a checkout or a built image

/** A repository checkout: metadata.json and its files, and the Dockerfile's final stage. */
export function checkRepo(dir, buildArgs = {}) {
  const out = [];
  const root = resolve(dir);
  const at = (p) => join(root, p.replace(/^\/+/, ''));
  let meta;
  try {
    meta = JSON.parse(readFileSync(at('metadata.json'), 'utf8'));
  } catch (e) {
    return [err('metadata.json', `cannot read ${at('metadata.json')}: ${e.message}`)];
  }
  let stage;
  try {
    stage = dockerfileFinalStage(readFileSync(at('Dockerfile'), 'utf8'), buildArgs);
  } catch (e) {
    return [err('Dockerfile', e.message)];
  }
  // In a checkout, files the image gets from the build (the UI) exist only once built: for
  // directories, the Dockerfile must copy something there; for files, they must exist here and be
  // copied to the same path in the image.
  const files = {
    exists(p, kind) {
      if (kind === 'dir') return copiedInto(stage, p, 'dir');
      const inTab = meta?.ui?.['dashboard-tab']?.root;
      if (inTab && posix.normalize('/' + p).startsWith(posix.normalize(inTab + '/'))) return copiedInto(stage, inTab, 'dir');
      // Copied from elsewhere in the checkout (the host scripts: packaging/host/… → /darwin/…).
      const source = copySource(stage, p);
      if (source !== undefined && source !== posix.normalize(p.replace(/^\/+/, ''))) return existsSync(at(source)) && statSync(at(source)).isFile();
      if (!existsSync(at(p)) || !statSync(at(p)).isFile()) return false;
      if (!copiedInto(stage, p)) {
        out.push(err('Dockerfile', `${p} exists in the checkout but the final stage does not COPY it to /${p.replace(/^\/+/, '')}`));
      }
      return true;
    },
    read: (p) => readFileSync(at(p), 'utf8'),
  };
  if (!copiedInto(stage, 'metadata.json')) out.push(err('Dockerfile', 'the final stage does not COPY metadata.json to the image root'));
  out.push(...validateMetadata(meta, files), ...validateLabels(stage.labels));
  return out;
}

function docker(args, opts = {}) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** A built image: its labels, and metadata.json and the files it names, copied out of a created (never started) container. */
export function checkImage(image) {
  const out = [];
  let labels;
  try {
    labels = JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])) ?? {};
  } catch (e) {
    return [err('image', `cannot inspect ${image}: ${(e.stderr || e.message).toString().trim()}`)];
  }
  out.push(...validateLabels(labels));
  const tmp = mkdtempSync(join(tmpdir(), 'ext-validate-'));
  let id;
  try {
    // A command, so that images without one (FROM scratch, UI only) can be created too.
    id = docker(['create', image, 'never-started']).trim();
    const copy = (p) => {
      const dest = join(tmp, 'f' + Math.random().toString(36).slice(2));
      try {
        docker(['cp', `${id}:${posix.normalize('/' + p)}`, dest]);
        return dest;
      } catch {
        return undefined;
      }
    };
    const metaFile = copy('metadata.json');
    if (!metaFile) return [...out, err('metadata.json', `${image} has no /metadata.json`)];
    let meta;
    try {
      meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    } catch (e) {
      return [...out, err('metadata.json', `not valid JSON: ${e.message}`)];
    }
    const files = {
      exists(p, kind) {
        const f = copy(p);
        return f !== undefined && (kind === 'dir' ? statSync(f).isDirectory() : statSync(f).isFile());
      },
      read: (p) => readFileSync(copy(p), 'utf8'),
    };
    out.push(...validateMetadata(meta, files));
  } catch (e) {
    out.push(err('image', (e.stderr || e.message).toString().trim()));
  } finally {
    if (id) {
      try {
        docker(['rm', '-f', id]);
      } catch {
        // already gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

export function format(problems) {
  return problems.map((p) => `${p.level === 'error' ? 'ERROR' : 'WARN '} ${p.where}: ${p.message}`).join('\n');
}

function main(argv) {
  let repo;
  let image;
  const buildArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--repo') repo = argv[++i];
    else if (a === '--image') image = argv[++i];
    else if (a === '--build-arg') {
      const kv = argv[++i] ?? '';
      buildArgs[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: validate.mjs [--repo DIR] [--build-arg K=V ...] | --image NAME[:TAG]\n');
      return 0;
    } else {
      process.stderr.write(`validate.mjs: unknown argument ${a}\n`);
      return 2;
    }
  }
  if (!repo && !image) repo = fileURLToPath(new URL('..', import.meta.url));
  const what = image ? `image ${image}` : `checkout ${resolve(repo)}`;
  const problems = image ? checkImage(image) : checkRepo(repo, buildArgs);
  const errors = problems.filter((p) => p.level === 'error').length;
  if (problems.length) process.stdout.write(format(problems) + '\n');
  process.stdout.write(`${errors ? 'FAIL' : 'OK'}: ${what}: ${errors} error(s), ${problems.length - errors} warning(s)\n`);
  return errors ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
