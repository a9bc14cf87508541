/**
 * The rooms' import rules (eslint.config.js, docs/architecture.md) refuse a planted violation, and
 * let the same import through where that room may use it.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('room import rules', () => {
  it('refuse Docker in the pure task model, and the control API reaching into dockerode', async () => {
    expect(await restricted('backend/src/tasks/planted.ts', "import { ContainerIndex } from '../docker/container-index.ts';\nexport const x = ContainerIndex;\n")).toEqual([
      expect.stringContaining('backend/src/tasks/ may import only nothing of the other rooms'),
    ]);
    expect(await restricted('backend/src/control/planted.ts', "import Docker from 'dockerode';\nexport const x = Docker;\n")).toEqual([
      expect.stringContaining('does not talk to this library directly'),
    ]);
    expect(await restricted('backend/src/endpoints/planted.ts', "import { composeBackend } from '../main.ts';\nexport const x = composeBackend;\n")).toHaveLength(1);
    expect(await restricted('backend/src/docker/planted.ts', "import { dockerRoom } from '../compose/rooms.ts';\nexport const x = dockerRoom;\n")).toEqual([
      expect.stringContaining('backend/src/docker/ may import only tasks/, state/'),
    ]);
    expect(await restricted('backend/src/docker/planted.ts', "import { STSClient } from '@aws-sdk/client-sts';\nexport const x = STSClient;\n")).toHaveLength(1);
  });

  it('allow what a room may import', async () => {
    expect(await restricted('backend/src/ecs-mode/planted.ts', "import { joinBlocker } from '../docker/network.ts';\nexport const x = joinBlocker;\n")).toEqual([]);
    expect(await restricted('backend/src/docker/planted.ts', "import Docker from 'dockerode';\nexport const x = Docker;\n")).toEqual([]);
    expect(await restricted('backend/src/credentials/planted.ts', "import { STSClient } from '@aws-sdk/client-sts';\nexport const x = STSClient;\n")).toEqual([]);
  });
});
