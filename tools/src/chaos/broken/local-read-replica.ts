/**
 * BROKEN ON PURPOSE: the chaos run's `--broken local-reads` configuration, never a deployment.
 * A replica that answers every `get` at once from its own state, without putting it through
 * the log, and keeps serving while it cannot reach the data API. A replica that is paused or cut off from the data API keeps answering from state that
 * others have moved past, so the run's linearizability check must fail: that shows the pause and
 * partition faults reach the places where a read can go stale.
 */
import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { replicaServiceSpec } from '@paxos/replica/src/service/replica-service';
import { opDigest, type Response } from '@paxos/shared';

const spec = replicaServiceSpec();
const extend = spec.extend!;
spec.extend = (ctx) => {
  const local: { answer?: (r: Response) => void } = {};
  const hooks = extend({
    ...ctx,
    // Serves clients whenever it has a state, also while it cannot reach the data API (a
    // correct replica refuses them then: 503 not-ready).
    isReady: () => ctx.isReady() || ctx.currentState() !== undefined,
    submit: (m) => {
      const command = m.type === 'request' && m.commands.length === 1 ? m.commands[0] : undefined;
      const state = ctx.currentState();
      if (state && local.answer && command && command.op.kind === 'get') {
        local.answer({
          type: 'response',
          from: ctx.common.PROCESS_ID,
          sessionId: command.sessionId,
          requestId: command.requestId,
          slot: Math.max(1, state.slotOut - 1),
          result: { ok: true, value: state.kv.get(command.op.key) ?? null },
          opDigest: opDigest(command.op),
        });
        return;
      }
      ctx.submit(m);
    },
  });
  local.answer = (r) => hooks.onLocalMessage?.({ to: r.from, message: r });
  return hooks;
};

void runRoleService(spec, createNeureloQueuePort);
