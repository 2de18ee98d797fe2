import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { haLayout } from '../src/ha/layout';
import { DEFAULT_PG_BIN_DIR, patroniConfig } from '../src/ha/patroni-config';

/**
 * The local cluster (`npm run fleet -- up --ha`, test:ha) and the compose profile ha
 * (deploy/postgres-ha/patroni.yml) must fail over alike: the cluster-wide settings Patroni
 * keeps in etcd, how a node is initialized and how a standby is copied are the same in both.
 * What differs is only where a node listens and how it authenticates.
 */
const REPO = path.resolve(__dirname, '..', '..');

/** The parts of a node's patroni.yml compared here. */
interface PatroniNode {
  bootstrap: { dcs: Record<string, unknown>; initdb: unknown };
  postgresql: { basebackup?: unknown; pg_hba: string[] };
}
const composeNode = parse(
  readFileSync(path.join(REPO, 'deploy/postgres-ha/patroni.yml'), 'utf8'),
) as PatroniNode;
const layout = haLayout('/tmp/paxos-ha-settings-test');
const localNode = patroniConfig(layout, layout.nodes[0]!, DEFAULT_PG_BIN_DIR) as PatroniNode;

describe('Patroni settings: the compose profile ha and the local cluster', () => {
  it('share the cluster-wide settings (bootstrap.dcs): timings, synchronous mode, rewind', () => {
    expect(composeNode.bootstrap.dcs).toEqual(localNode.bootstrap.dcs);
    expect(composeNode.bootstrap.dcs.synchronous_mode_strict).toBe(true);
  });

  it('initialize a node and copy a standby the same way', () => {
    expect(composeNode.bootstrap.initdb).toEqual(localNode.bootstrap.initdb);
    expect(composeNode.postgresql.basebackup).toEqual(localNode.postgresql.basebackup);
  });

  it('ask for a password on the network in compose (trust is for the local socket only)', () => {
    const hba: string[] = composeNode.postgresql.pg_hba;
    expect(
      hba.filter((line) => line.startsWith('host')).every((l) => /scram-sha-256$/.test(l)),
    ).toBe(true);
  });
});
