import type { Slot } from '@paxos/shared';

/** The acceptor's durable layout: its promise, and one entry per slot (tagged for truncation). */
export const BALLOT_KEY = 'ballot';
const ACCEPTED_PREFIX = 'accepted:';

export const acceptedKey = (slot: Slot): string => `${ACCEPTED_PREFIX}${slot}`;
export const isAcceptedKey = (key: string): boolean => key.startsWith(ACCEPTED_PREFIX);
