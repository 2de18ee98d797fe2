import { configView, initialEntry, type ConfigurationReport } from '@paxos/runtime';
import { ballotToString, type Configuration } from '@paxos/shared';
import type { AcceptorState } from '../role/state';

/**
 * GET /config of an acceptor. An acceptor learns configurations only through the ballots it is
 * sent (a ballot carries its configuration's epoch) and the collects that retire epochs: it
 * never sees a configuration's members. So it reports the initial configuration from its
 * environment, the epochs it holds promises for, and the epochs retired below `epochsBelow`;
 * GET /config on a replica shows the configuration in force.
 */
export function acceptorConfiguration(
  state: AcceptorState,
  initial: Configuration,
): ConfigurationReport {
  const promised = [...state.promises.keys()]
    .filter((epoch) => epoch >= state.epochsBelow)
    .sort((a, b) => a - b);
  const view = configView(initialEntry(initial));
  const initialMember = initial.acceptors.includes(state.config.id) && state.epochsBelow === 0;
  return {
    // As far as it can tell: an initial acceptor whose epoch 0 is not retired, or one that
    // promised a ballot of a live epoch (a new member is asked only once it belongs).
    member: initialMember || promised.length > 0,
    epoch: Math.max(state.epochsBelow, ...promised),
    inForce: view,
    pending: null,
    schedule: [view],
    promises: Object.fromEntries(
      promised.map((epoch) => [epoch, ballotToString(state.promises.get(epoch)!)]),
    ),
    epochsBelow: state.epochsBelow,
    learned:
      'an acceptor learns configurations only through ballots (their epochs): inForce is the ' +
      'initial configuration; ask a replica for the one in force',
  };
}
