/**
 * Per configuration it serves, a leader persists the highest ballot it has used in a p1a; epoch 0
 * keeps the key it always had. The leader process also keeps the configurations it serves
 * (`serves:<epoch>`) and the epochs it has retired (leader-process.ts).
 */
export const BALLOT_KEY = 'ballot';
export const ballotKey = (epoch: number): string => (epoch === 0 ? BALLOT_KEY : `ballot:${epoch}`);
export const SERVES_PREFIX = 'serves:';
export const servesKey = (epoch: number): string => `${SERVES_PREFIX}${epoch}`;
export const RETIRED_BELOW_KEY = 'retiredBelow';
