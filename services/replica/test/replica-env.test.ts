import { defaultReplicaTimings } from '@paxos/replica';
import { replicaSettings } from '../src/service/replica-env';

describe('replica settings from the environment', () => {
  it('defaults: the standard timings, answers before the replica commits', () => {
    const s = replicaSettings({});
    expect(s.timings).toMatchObject(defaultReplicaTimings);
    expect(s.answerBeforeCommit).toBe(true);
  });

  it('ANSWER_BEFORE_COMMIT=false makes a replica answer only after its own commit', () => {
    expect(replicaSettings({ ANSWER_BEFORE_COMMIT: 'false' }).answerBeforeCommit).toBe(false);
    expect(replicaSettings({ ANSWER_BEFORE_COMMIT: 'true' }).answerBeforeCommit).toBe(true);
  });

  it.each([['yes'], ['0'], ['TRUE']])('refuses ANSWER_BEFORE_COMMIT=%s, naming it', (value) => {
    expect(() => replicaSettings({ ANSWER_BEFORE_COMMIT: value })).toThrow(
      /ANSWER_BEFORE_COMMIT: must be true or false/,
    );
  });
});
