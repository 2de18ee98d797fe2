/**
 * Every manifest in k8s/ against the Kubernetes API schemas (kubernetes-models: validators
 * generated from the Kubernetes OpenAPI spec), then the fleet's own rules: identities,
 * probes, resources, the acceptors' disruption budget.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

const K8S_DIR = path.resolve(__dirname, '..', '..', 'k8s');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};
interface Loaded {
  file: string;
  doc: Manifest;
}

/** The API groups the manifests use; a kind outside them fails the test (nothing unchecked). */
const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'policy/v1': policyV1,
};

/** Validates one object against its kind's schema; throws with the schema errors. */
function validateAgainstSchema(doc: Manifest): void {
  const group = MODELS[doc.apiVersion];
  if (!group) throw new Error(`no schema for apiVersion ${doc.apiVersion}`);
  const Model = group[doc.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Model !== 'function') throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

function loadFile(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(path.join(K8S_DIR, file), 'utf8'));
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Manifest;
  });
}

const yamlFiles = readdirSync(K8S_DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .sort();
const manifests: Loaded[] = yamlFiles.flatMap((file) =>
  loadFile(file).map((doc) => ({ file, doc })),
);
const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const named = (kind: string, name: string) => {
  const found = byKind(kind).find((d) => d.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in k8s/`);
  return found;
};
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodOwnerSpec {
  replicas?: number;
  serviceName?: string;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
}
const specOf = (d: Manifest) => d.spec as unknown as PodOwnerSpec;

describe('k8s manifests', () => {
  it('finds the manifests', () => {
    expect(yamlFiles.length).toBeGreaterThan(5);
    expect(manifests.length).toBeGreaterThan(10);
  });

  describe.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m]))(
    '%s',
    (_label, m) => {
      it('is valid against the Kubernetes API schema', () => {
        expect(() => validateAgainstSchema(m.doc)).not.toThrow();
      });
      it('lives in the durable-paxos namespace (or is it)', () => {
        if (m.doc.kind === 'Namespace') expect(m.doc.metadata.name).toBe('durable-paxos');
        else expect(m.doc.metadata.namespace).toBe('durable-paxos');
      });
    },
  );

  describe('the schema check rejects broken manifests', () => {
    const acceptor = named('StatefulSet', 'acceptor');
    const container = (d: Manifest) => specOf(d).template.spec.containers[0]!;
    const broken: Array<[string, (d: Manifest) => void]> = [
      ['replicas as a word', (d) => ((d.spec as Record<string, unknown>).replicas = 'three')],
      ['no selector', (d) => delete (d.spec as Record<string, unknown>).selector],
      ['a container without a name', (d) => delete (container(d) as Partial<Container>).name],
      [
        'a memory limit that is no quantity',
        (d) => (container(d).resources!.limits!.memory = 'a lot'),
      ],
      [
        'an unknown podManagementPolicy',
        (d) => ((d.spec as Record<string, unknown>).podManagementPolicy = 'AllAtOnce'),
      ],
      [
        'an env entry without a name',
        (d) => container(d).env!.push({ value: 'x' } as unknown as { name: string }),
      ],
    ];
    it.each(broken)('%s', (_what, breakIt) => {
      const d = clone(acceptor);
      breakIt(d);
      expect(() => validateAgainstSchema(d)).toThrow(/must/);
    });

    it('an unknown kind', () => {
      const d = clone(acceptor);
      d.kind = 'StatefulSett';
      expect(() => validateAgainstSchema(d)).toThrow(/no schema/);
    });

    it('a PodDisruptionBudget with minAvailable as an object', () => {
      const d = clone(named('PodDisruptionBudget', 'acceptor'));
      (d.spec as Record<string, unknown>).minAvailable = { pods: 2 };
      expect(() => validateAgainstSchema(d)).toThrow(/must/);
    });
  });

  describe('the fleet', () => {
    const config = named('ConfigMap', 'paxos-config').data!;
    const roles: Array<[string, string, number]> = [
      ['acceptor', 'ACCEPTORS', 3],
      ['leader', 'LEADERS', 2],
      ['replica', 'REPLICAS', 2],
    ];

    it.each(roles)(
      '%s is a StatefulSet whose pod names are the process ids in %s',
      (role, listKey, count) => {
        const set = named('StatefulSet', role);
        const spec = specOf(set);
        expect(spec.replicas).toBe(count);
        const ids = Array.from({ length: count }, (_, i) => `${role}-${i}`);
        expect(config[listKey]!.split(',')).toEqual(ids);
        const c = spec.template.spec.containers[0]!;
        expect(c.args).toEqual([role]);
        const processId = c.env!.find((e) => e.name === 'PROCESS_ID');
        expect(processId?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
        expect(c.envFrom).toEqual([{ configMapRef: { name: 'paxos-config' } }]);
        // A StatefulSet's serviceName must be a headless Service selecting its pods.
        const service = named('Service', spec.serviceName!);
        expect((service.spec as { clusterIP?: string }).clusterIP).toBe('None');
        expect((service.spec as { selector: object }).selector).toEqual(spec.selector.matchLabels);
        expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      },
    );

    it('every workload container has probes and resource requests and limits', () => {
      const workloads = [...byKind('StatefulSet'), ...byKind('Deployment')];
      expect(workloads.length).toBeGreaterThanOrEqual(6);
      for (const w of workloads) {
        for (const c of specOf(w).template.spec.containers) {
          const where = `${w.kind} ${w.metadata.name} container ${c.name}`;
          expect({ where, readiness: !!c.readinessProbe }).toEqual({ where, readiness: true });
          expect({ where, liveness: !!c.livenessProbe }).toEqual({ where, liveness: true });
          for (const r of ['cpu', 'memory']) {
            expect({ where, r, request: c.resources?.requests?.[r] !== undefined }).toEqual({
              where,
              r,
              request: true,
            });
            expect({ where, r, limit: c.resources?.limits?.[r] !== undefined }).toEqual({
              where,
              r,
              limit: true,
            });
          }
        }
      }
    });

    it('role readiness is /readyz and liveness /healthz', () => {
      for (const [role] of roles) {
        const c = specOf(named('StatefulSet', role)).template.spec.containers[0]!;
        expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
        expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      }
    });

    it('a PodDisruptionBudget keeps a majority of the acceptors', () => {
      const pdb = named('PodDisruptionBudget', 'acceptor');
      const spec = pdb.spec as { minAvailable: number; selector: { matchLabels: object } };
      const acceptors = specOf(named('StatefulSet', 'acceptor'));
      expect(spec.minAvailable).toBe(Math.floor(acceptors.replicas! / 2) + 1);
      expect(spec.selector.matchLabels).toEqual(acceptors.selector.matchLabels);
    });

    it('postgres keeps its data on a persistent volume', () => {
      const pg = named('StatefulSet', 'postgres').spec as {
        volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
      };
      expect(pg.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['data']);
    });

    it('the only Secret is an example that kustomization.yaml does not apply', () => {
      const secrets = manifests.filter((m) => m.doc.kind === 'Secret');
      expect(secrets.map((s) => s.file)).toEqual(['secret.example.yaml']);
      for (const value of Object.values(secrets[0]!.doc.stringData ?? {})) {
        expect(value).toMatch(/^replace-me/);
      }
    });

    it('kustomization.yaml lists every manifest but the example Secret, and nothing else', () => {
      const kustomization = loadFile('kustomization.yaml')[0] as unknown as {
        resources: string[];
      };
      expect([...kustomization.resources].sort()).toEqual(
        yamlFiles.filter((f) => f !== 'secret.example.yaml'),
      );
    });

    it('the dashboard scrapes every role pod by its stable name', () => {
      const targets = config.FLEET_TARGETS!.split(',').map((t) => t.split('=')[0]);
      const ids = roles.flatMap(([, listKey]) => config[listKey]!.split(','));
      expect([...targets].sort()).toEqual([...ids].sort());
    });
  });
});
