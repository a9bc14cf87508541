import { join } from 'node:path';
import { z } from 'zod/v4';
import { JsonFile } from '../../state/json-file.ts';

const Client = z.object({ clientId: z.string(), clientSecret: z.string(), expiresAt: z.string(), startUrl: z.string(), region: z.string(), refreshable: z.boolean() });
const Token = z.object({
  startUrl: z.string(),
  region: z.string(),
  accessToken: z.string(),
  expiresAt: z.string(),
  obtainedAt: z.string(),
  refreshToken: z.string().optional(),
  renewedAt: z.string().optional(),
});
const Schema = z.object({ version: z.literal(1), clients: z.record(z.string(), Client), tokens: z.record(z.string(), Token) });

export type SsoClientRegistration = z.infer<typeof Client>;
export type SsoToken = z.infer<typeof Token>;

/**
 * The SSO tokens the backend obtained itself (sign-in from the dashboard), keyed as the SDK keys
 * its cache (session name, or start URL), with the OIDC client registrations that renew them. In
 * the state directory, owner-only: never in ~/.aws, which is the person's (read-only, or mirrored
 * from the host with files not on the host deleted).
 */
export class SsoTokenStore {
  private readonly file: JsonFile<z.infer<typeof Schema>>;

  constructor(stateDir: string) {
    this.file = new JsonFile(join(stateDir, 'sso-tokens.json'), Schema, () => ({ version: 1 as const, clients: {}, tokens: {} }), { mode: 0o600 });
  }

  get problems() {
    return this.file.problems;
  }

  keys(): string[] {
    return Object.keys(this.file.get().tokens);
  }

  token(key: string): SsoToken | undefined {
    return this.file.get().tokens[key];
  }

  client(key: string): SsoClientRegistration | undefined {
    return this.file.get().clients[key];
  }

  setToken(key: string, token: SsoToken): void {
    this.file.update((d) => ({ ...d, tokens: { ...d.tokens, [key]: token } }));
  }

  setClient(key: string, client: SsoClientRegistration): void {
    this.file.update((d) => ({ ...d, clients: { ...d.clients, [key]: client } }));
  }

  deleteToken(key: string): void {
    this.file.update((d) => {
      const { [key]: _gone, ...tokens } = d.tokens;
      return { ...d, tokens };
    });
  }
}
