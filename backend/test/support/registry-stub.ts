import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { extract } from 'tar-stream';

/**
 * A local stand-in for a container registry (the Registry HTTP API v2, read only), so dockerd can
 * really pull an image offline: it serves one local image (from `docker save`) under a name, as a
 * schema 2 manifest with gzipped layers. dockerd pulls from 127.0.0.1 without TLS by default.
 */
export interface RegistryStub {
  /** host:port, to prefix image names with. */
  host: string;
  pulls: number;
  close(): Promise<void>;
}

function saved(image: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const x = extract();
    x.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        if (h.type === 'file') files.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    x.on('finish', () => resolve(files));
    x.on('error', reject);
    const p = execFile('docker', ['save', image], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (err) => err && reject(err));
    p.stdout!.pipe(x);
  });
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startRegistryStub(localImage: string, name: string, tag = 'latest'): Promise<RegistryStub> {
  const files = await saved(localImage);
  const manifest = (JSON.parse(files.get('manifest.json')!.toString('utf8')) as { Config: string; Layers: string[] }[])[0]!;
  const config = files.get(manifest.Config)!;
  const blobs = new Map<string, Buffer>([[sha(config), config]]);
  const layers = manifest.Layers.map((l) => {
    const gz = gzipSync(files.get(l)!);
    blobs.set(sha(gz), gz);
    return { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: gz.length, digest: sha(gz) };
  });
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers,
    }),
  );
  const stub = { host: '', pulls: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/' || url === '/v2') {
      res.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0', 'Content-Type': 'application/json' });
      return res.end('{}');
    }
    if (url === `/v2/${name}/manifests/${tag}` || url === `/v2/${name}/manifests/${sha(body)}`) {
      stub.pulls++;
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Docker-Content-Digest': sha(body), 'Content-Length': body.length });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url);
    const data = blob && blobs.get(blob[1]!);
    if (data) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': blob[1]!, 'Content-Length': data.length });
      return res.end(req.method === 'HEAD' ? undefined : data);
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stub.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () => new Promise<void>((r) => server.close(() => r()));
  return stub;
}
