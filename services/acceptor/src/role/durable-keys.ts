import type { Slot } from '@paxos/shared';

/**
 * The acceptor's durable layout: its promise, its garbage-collection horizon (no slot tag, so
 * a truncate never removes it), and one entry per accepted slot (tagged for truncation).
 */
export const BALLOT_KEY = 'ballot';
/** Epoch 0 keeps the key it always had, so an acceptor's rows read the same across versions. */
export const promiseKey = (epoch: number): string => (epoch === 0 ? BALLOT_KEY : `ballot:${epoch}`);
export const isPromiseKey = (key: string): boolean =>
  key === BALLOT_KEY || key.startsWith(`${BALLOT_KEY}:`);
export const EPOCHS_BELOW_KEY = 'epochsBelow';
export const COLLECTED_BELOW_KEY = 'collectedBelow';
const ACCEPTED_PREFIX = 'accepted:';

export const acceptedKey = (slot: Slot): string => `${ACCEPTED_PREFIX}${slot}`;
export const isAcceptedKey = (key: string): boolean => key.startsWith(ACCEPTED_PREFIX);
