import type { Slot } from '@paxos/shared';

/**
 * The acceptor's durable layout: its promise, its garbage-collection horizon (no slot tag, so
 * a truncate never removes it), and one entry per accepted slot (tagged for truncation).
 */
export const BALLOT_KEY = 'ballot';
export const COLLECTED_BELOW_KEY = 'collectedBelow';
const ACCEPTED_PREFIX = 'accepted:';

export const acceptedKey = (slot: Slot): string => `${ACCEPTED_PREFIX}${slot}`;
export const isAcceptedKey = (key: string): boolean => key.startsWith(ACCEPTED_PREFIX);
