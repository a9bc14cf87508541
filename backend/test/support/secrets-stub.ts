import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Secrets Manager (GetSecretValue) and SSM Parameter Store (GetParameter),
 * both JSON 1.1 protocols on one port, ECS's DescribeTaskDefinition, and S3's GetObject
 * (path-style), reached through AWS_ENDPOINT_URL_SECRETS_MANAGER, _SSM, _ECS and _S3. Records which
 * access key asked for what.
 */
export interface SecretsStub {
  url: string;
  calls: { target: string; id: string; accessKeyId?: string }[];
  close(): Promise<void>;
}

export async function startSecretsStub(
  secrets: Record<string, string>,
  parameters: Record<string, string> = {},
  objects: Record<string, string> = {},
  /** ECS task definitions by family:revision (and family, for the latest). */
  taskDefinitions: Record<string, unknown> = {},
): Promise<SecretsStub> {
  const calls: SecretsStub['calls'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      // S3 GetObject, path-style: GET /<bucket>/<key>.
      if (req.method === 'GET' && !target) {
        const id = decodeURIComponent((req.url ?? '').split('?')[0]!.slice(1));
        calls.push({ target: 's3.GetObject', id, accessKeyId: /Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] });
        const body = objects[id];
        res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': body === undefined ? 'application/xml' : 'text/plain' });
        return res.end(body ?? '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string; Name?: string };
      const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      const send = (status: number, doc: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(doc));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const id = body.SecretId ?? '';
        calls.push({ target, id, accessKeyId });
        const value = secrets[id];
        if (value === undefined) return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return send(200, { ARN: id, Name: id.split(':')[6] ?? id, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] });
      }
      if (target === 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition') {
        const id = (body as { taskDefinition?: string }).taskDefinition ?? '';
        calls.push({ target, id, accessKeyId });
        const td = taskDefinitions[id.replace(/^arn:[^/]+\//, '')];
        if (!td) return send(400, { __type: 'ClientException', message: 'Unable to describe task definition.' });
        return send(200, { taskDefinition: td, tags: [{ key: 'team', value: 'orders' }] });
      }
      if (target === 'AmazonSSM.GetParameter') {
        const id = body.Name ?? '';
        calls.push({ target, id, accessKeyId });
        const value = parameters[id];
        if (value === undefined) return send(400, { __type: 'ParameterNotFound', message: '' });
        return send(200, { Parameter: { Name: id, Type: 'SecureString', Value: value, Version: 1 } });
      }
      send(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
