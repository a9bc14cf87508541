import { describe, expect, it } from 'vitest';
import { formatExpiration, toAgentJson } from '../../../src/credentials/index.ts';

describe('toAgentJson', () => {
  it('produces exactly the agent body, keys in order, Expiration without a fraction', () => {
    const body = toAgentJson({
      accessKeyId: 'ASIARXAMPLE2Z6QJ4KXB',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2Vj',
      expiration: new Date('2025-03-04T16:33:41.987Z'),
      roleArn: 'arn:aws:iam::111122223333:role/web-app-task-role',
      accountId: '111122223333',
    });
    expect(JSON.stringify(body)).toBe(
      '{"RoleArn":"arn:aws:iam::111122223333:role/web-app-task-role","AccessKeyId":"ASIARXAMPLE2Z6QJ4KXB","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2Vj","Expiration":"2025-03-04T16:33:41Z"}',
    );
  });

  it('uses "" for an unknown role and a missing token, and an hour ahead for a missing expiration', () => {
    const now = Date.parse('2025-01-01T00:00:00.500Z');
    expect(toAgentJson({ accessKeyId: 'AKIA', secretAccessKey: 's' }, () => now)).toEqual({
      RoleArn: '',
      AccessKeyId: 'AKIA',
      SecretAccessKey: 's',
      Token: '',
      Expiration: '2025-01-01T01:00:00Z',
    });
  });

  it('formats expirations the way the SDKs parse them', () => {
    const s = formatExpiration(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)));
    expect(s).toBe('2030-01-02T03:04:05Z');
    // smithy's parseRfc3339DateTime (JS v3) demands this shape.
    expect(s).toMatch(/^\d{4}-\d{2}-\d{2}[tT]\d{2}:\d{2}:\d{2}(\.\d+)?[zZ]$/);
  });
});
