import type { ConfigView } from '@paxos/shared';

/**
 * The dashboard reads replicas' GET /config through the schema every tool shares
 * (@paxos/shared's ConfigAnswerSchema). A replica knows the schedule of configurations exactly
 * (it is applied state); leaders and acceptors know less, so only replicas are asked.
 */
export { ConfigAnswerSchema, type ConfigAnswer } from '@paxos/shared';
export type ConfigViewAnswer = ConfigView;
