import { nextMemberId, planAdd, planRemove, planReplace, roleOf } from '../src/fleet/membership';
import { memberPort } from '../src/fleet/topology';

const current = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1', 'replica-2'],
};

describe('planning a membership change', () => {
  it('adds at the end of the role list, and refuses a member already there', () => {
    expect(planAdd(current, 'leader', 'leader-2').leaders).toEqual([
      'leader-0',
      'leader-1',
      'leader-2',
    ]);
    expect(() => planAdd(current, 'replica', 'leader-0')).toThrow(/member already/);
  });

  it('removes a member, never the last of its role', () => {
    expect(planRemove(current, 'acceptor-1').acceptors).toEqual(['acceptor-0', 'acceptor-2']);
    expect(() => planRemove(planRemove(current, 'leader-0'), 'leader-1')).toThrow(/last leader/);
    expect(() => planRemove(current, 'replica-9')).toThrow(/not a member/);
  });

  it('replaces in place, so the order of the list stays', () => {
    expect(planReplace(current, 'acceptor-1', 'acceptor-3').acceptors).toEqual([
      'acceptor-0',
      'acceptor-3',
      'acceptor-2',
    ]);
    expect(current.acceptors).toEqual(['acceptor-0', 'acceptor-1', 'acceptor-2']);
    expect(roleOf(current, 'replica-2')).toBe('replica');
    expect(roleOf(current, 'nobody')).toBeNull();
  });

  it('names a new member one above every number ever used for its role', () => {
    expect(nextMemberId('replica', ['replica-0', 'replica-1'])).toBe('replica-2');
    // replica-4 left: its number is never used again.
    expect(nextMemberId('replica', ['replica-0', 'replica-4', 'leader-9'])).toBe('replica-5');
    expect(nextMemberId('acceptor', [])).toBe('acceptor-0');
  });

  it("gives a new member its role's port for its number, else a spare one", () => {
    expect(memberPort(7950, 'acceptor', 3, new Set())).toBe(7984);
    expect(memberPort(7950, 'replica', 12, new Set())).toBe(8010);
    expect(memberPort(7950, 'replica', 3, new Set([8004, 8010]))).toBe(8011);
  });
});
