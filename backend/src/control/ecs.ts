import type { EnableEcsInput, EnableEcsResult } from '@ecs-endpoints/contract';
import type { Backend } from '../backend.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import { containerView } from './views.ts';

/** What POST /api/containers/:id/ecs answers: the contract's result plus a sentence for people. */
export interface EcsChangeResult extends EnableEcsResult {
  message?: string;
}

/** The ECS mode change, as the API shows it (the ecs-mode room decides and does it). */
export async function changeEcsMode(b: Backend, r: ContainerRecord, input: EnableEcsInput): Promise<EcsChangeResult> {
  const out = await b.ecsMode.change(r, input.enabled, input.recreate === true);
  return {
    container: containerView(b, out.record),
    ...(out.recreatedFrom ? { recreatedFrom: out.recreatedFrom } : {}),
    ...(out.message ? { message: out.message } : {}),
  };
}
