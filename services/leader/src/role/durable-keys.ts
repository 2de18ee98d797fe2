/** The leader persists one thing: the highest ballot it has used in a p1a. */
export const BALLOT_KEY = 'ballot';
