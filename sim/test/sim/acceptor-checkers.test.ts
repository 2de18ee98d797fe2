import { AcceptanceLedger } from '../../src/checkers/acceptance-ledger';
import { AcceptorChecker } from '../../src/checkers/acceptor-checker';
import type { Ballot, PValue } from '@paxos/shared';
import type { AcceptorView } from '../../src/observe/views';
import { acceptorView, ballot, ballotOf, p2a, pvalue, violationOf } from './support/fixtures';

function freshChecker(): AcceptorChecker {
  return new AcceptorChecker('acceptor-0', new AcceptanceLedger(2));
}

describe('AcceptorChecker (A1-A3)', () => {
  it('passes a legal promise, acceptance, and a durable recovery', () => {
    const checker = freshChecker();
    const pv = pvalue(ballot(1), 1, 'x');
    expect(
      violationOf(() => {
        checker.afterStep(acceptorView(ballot(1)), {
          type: 'p1a',
          from: 'leader-0',
          ballot: ballot(1),
        });
        checker.afterStep(acceptorView(ballot(1), pv), p2a(pv));
        checker.afterStep(acceptorView(ballot(1), pv), null);
      }),
    ).toBeNull();
  });

  it('A1: catches a ballot going down', () => {
    const checker = freshChecker();
    checker.afterStep(acceptorView(ballot(3)), null);
    expect(violationOf(() => checker.afterStep(acceptorView(ballot(2)), null))).toBe('A1');
  });

  it('A2: catches a pvalue no p2a brought (e.g. conjured at recovery)', () => {
    const checker = freshChecker();
    const pv = pvalue(ballot(1), 1, 'x');
    expect(violationOf(() => checker.afterStep(acceptorView(ballot(1), pv), null))).toBe('A2');
  });

  it('A2: catches accepting a p2a whose ballot is not the promise (pitfall 3)', () => {
    const checker = freshChecker();
    checker.afterStep(acceptorView(ballot(5)), null);
    const stale = pvalue(ballot(4), 1, 'x');
    expect(violationOf(() => checker.afterStep(acceptorView(ballot(5), stale), p2a(stale)))).toBe(
      'A2',
    );
  });

  it('A3: catches a lost acceptance and a replacement by a lower ballot', () => {
    const lost = freshChecker();
    const pv = pvalue(ballot(2), 1, 'x');
    lost.afterStep(acceptorView(ballot(2), pv), p2a(pv));
    expect(violationOf(() => lost.afterStep(acceptorView(ballot(2)), null))).toBe('A3');

    const lowered = freshChecker();
    lowered.afterStep(acceptorView(ballot(2), pv), p2a(pv));
    const lower = pvalue(ballot(1), 1, 'y');
    expect(violationOf(() => lowered.afterStep(acceptorView(ballot(2), lower), p2a(lower)))).toBe(
      'A3',
    );
  });

  it('forget() starts a new life (volatile restart) without tripping A1/A3', () => {
    const checker = freshChecker();
    const pv = pvalue(ballot(2), 1, 'x');
    checker.afterStep(acceptorView(ballot(2), pv), p2a(pv));
    checker.forget();
    expect(violationOf(() => checker.afterStep(acceptorView(ballot(-1, '')), null))).toBeNull();
  });
});

describe('AcceptanceLedger (A4, A5)', () => {
  it('A4: catches two commands at one (ballot, slot)', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => ledger.record('acceptor-1', pvalue(ballot(1), 1, 'y')))).toBe('A4');
  });

  it('A5: catches a higher ballot accepting another command after a majority chose one', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    ledger.record('acceptor-1', pvalue(ballot(1), 1, 'x'));
    ledger.record('acceptor-2', pvalue(ballot(2), 1, 'x'));
    expect(violationOf(() => ledger.record('acceptor-2', pvalue(ballot(3), 1, 'y')))).toBe('A5');
  });

  it('A5: catches it in the other order too (higher ballot first, then the majority)', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-2', pvalue(ballot(3), 1, 'y'));
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => ledger.record('acceptor-1', pvalue(ballot(1), 1, 'x')))).toBe('A5');
  });

  it('allows a different command at a higher ballot when nothing was chosen', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => ledger.record('acceptor-1', pvalue(ballot(2), 1, 'y')))).toBeNull();
  });

  it('counts an acceptor once, even if it accepts again after forgetting', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(ledger.chosenAt(1)).toEqual([]);
  });
});

describe('AcceptorChecker per configuration (issue 18): one promise per epoch', () => {
  const view = (
    promises: Array<[number, Ballot]>,
    epochsBelow = 0,
    ...accepted: PValue[]
  ): AcceptorView => ({
    promises: new Map(promises),
    epochsBelow,
    accepted: new Map(accepted.map((p) => [p.slot, p])),
    collectedBelow: 1,
  });
  const e0 = (round: number) => ballotOf(0, round);
  const e1 = (round: number) => ballotOf(1, round, 'leader-2');

  it('promises of two epochs are independent: a new epoch starts from the bottom', () => {
    const checker = freshChecker();
    checker.afterStep(view([[0, e0(7)]]), null);
    expect(
      violationOf(() =>
        checker.afterStep(
          view([
            [0, e0(7)],
            [1, e1(0)],
          ]),
          null,
        ),
      ),
    ).toBeNull();
  });

  it('A1 holds per epoch: a promise going down in one epoch is caught', () => {
    const checker = freshChecker();
    checker.afterStep(
      view([
        [0, e0(7)],
        [1, e1(3)],
      ]),
      null,
    );
    expect(
      violationOf(() =>
        checker.afterStep(
          view([
            [0, e0(7)],
            [1, e1(2)],
          ]),
          null,
        ),
      ),
    ).toBe('A1');
  });

  it("a retired epoch's promise may go, but epochsBelow never goes down", () => {
    const checker = freshChecker();
    checker.afterStep(
      view([
        [0, e0(7)],
        [1, e1(3)],
      ]),
      null,
    );
    expect(violationOf(() => checker.afterStep(view([[1, e1(3)]], 1), null))).toBeNull();
    expect(violationOf(() => checker.afterStep(view([[1, e1(3)]], 0), null))).toBe('A1');
  });

  it('A2 compares an acceptance with the promise of its own epoch', () => {
    const checker = freshChecker();
    checker.afterStep(
      view([
        [0, e0(7)],
        [1, e1(3)],
      ]),
      null,
    );
    const right = pvalue(e1(3), 20, 'x');
    const stale = pvalue(e1(2), 21, 'y');
    expect(
      violationOf(() =>
        checker.afterStep(
          view(
            [
              [0, e0(7)],
              [1, e1(3)],
            ],
            0,
            right,
          ),
          p2a(right),
        ),
      ),
    ).toBeNull();
    expect(
      violationOf(() =>
        checker.afterStep(
          view(
            [
              [0, e0(7)],
              [1, e1(3)],
            ],
            0,
            right,
            stale,
          ),
          p2a(stale),
        ),
      ),
    ).toBe('A2');
  });
});
