/**
 * Every manifest in k8s/ (and k8s/members/) against the Kubernetes API schemas
 * (kubernetes-models: validators generated from the Kubernetes OpenAPI spec), then the fleet's
 * own rules: identities (one StatefulSet of one pod per member, named by its id, which is set
 * explicitly and never derived from a pod ordinal), probes, resources, the admin key, the
 * acceptors' disruption budget, production mode and its secrets, and the NetworkPolicies (who
 * reaches the data API and PostgreSQL, worked out from the pods' labels). The CloudNativePG
 * component (k8s/postgres-ha/) is checked against a strict subset schema of the operator's
 * Cluster (support/cnpg-cluster.ts), and rendered with kubectl's kustomize where there is one.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PUBLISHED_EXAMPLE_KEY_HASHES, isPublishedExampleKey } from '@paxos/shared';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { CnpgClusterSchema, appSecretOf, readWriteServiceOf } from './support/cnpg-cluster';

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
  'networking.k8s.io/v1': networkingV1,
};

/** Validates one object against its kind's schema; throws with the schema errors. */
function validateAgainstSchema(doc: Manifest): void {
  const group = MODELS[doc.apiVersion];
  if (!group) throw new Error(`no schema for apiVersion ${doc.apiVersion}`);
  const Model = group[doc.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Model !== 'function') throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

function parseManifests(text: string, file: string): Manifest[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Manifest;
  });
}

const readText = (file: string) => readFileSync(path.join(K8S_DIR, file), 'utf8');
const loadFile = (file: string): Manifest[] => parseManifests(readText(file), file);

/** The CloudNativePG component (k8s/postgres-ha/): checked on its own, below. */
const HA_COMPONENT = 'postgres-ha';

/** Paths below k8s/, e.g. `30-acceptor.yaml`, `members/acceptor-0.yaml`. */
const yamlFiles = (readdirSync(K8S_DIR, { recursive: true }) as string[])
  .map((f) => f.split(path.sep).join('/'))
  .filter(
    (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.startsWith(`${HA_COMPONENT}/`),
  )
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
    const acceptor = named('StatefulSet', 'acceptor-0');
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

    it('a NetworkPolicy whose port is an object, or with an unknown policy type', () => {
      const d = clone(named('NetworkPolicy', 'postgres-from-neurelo'));
      const spec = d.spec as { ingress: Array<{ ports: unknown[] }>; policyTypes: string[] };
      spec.ingress[0]!.ports = [{ port: { number: 5432 } }];
      expect(() => validateAgainstSchema(d)).toThrow(/must/);
      const e = clone(named('NetworkPolicy', 'default-deny-ingress'));
      (e.spec as { policyTypes: string[] }).policyTypes = ['Inbound'];
      expect(() => validateAgainstSchema(e)).toThrow(/must/);
    });

    it('a PodDisruptionBudget with minAvailable as an object', () => {
      const d = clone(named('PodDisruptionBudget', 'acceptor'));
      (d.spec as Record<string, unknown>).minAvailable = { pods: 2 };
      expect(() => validateAgainstSchema(d)).toThrow(/must/);
    });
  });

  describe('the fleet', () => {
    const config = named('ConfigMap', 'paxos-config').data!;
    const roles: Array<[string, string]> = [
      ['acceptor', 'ACCEPTORS'],
      ['leader', 'LEADERS'],
      ['replica', 'REPLICAS'],
    ];
    /** The member StatefulSets of a role: those whose pods carry its name label. */
    const membersOf = (role: string) =>
      byKind('StatefulSet').filter(
        (d) => specOf(d).template.metadata.labels['app.kubernetes.io/name'] === role,
      );
    const containerOf = (d: Manifest) => specOf(d).template.spec.containers[0]!;
    const envOf = (d: Manifest, name: string) => containerOf(d).env?.find((e) => e.name === name);

    /** The rules every member's file keeps (a copy with a new id must keep them too). */
    function expectMember(role: string, id: string, docs: Manifest[]): void {
      expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual([
        `Service ${id}`,
        `StatefulSet ${id}`,
      ]);
      const [service, set] = docs as [Manifest, Manifest];
      const spec = specOf(set);
      // One pod per member: a StatefulSet never runs two at once.
      expect(spec.replicas).toBe(1);
      expect(spec.serviceName).toBe(id);
      expect(spec.selector.matchLabels).toEqual({
        'app.kubernetes.io/name': role,
        'app.kubernetes.io/instance': id,
      });
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      // A StatefulSet's serviceName must be a headless Service selecting its pod.
      expect((service.spec as { clusterIP?: string }).clusterIP).toBe('None');
      expect((service.spec as { selector: object }).selector).toEqual(spec.selector.matchLabels);
      const c = containerOf(set);
      expect(c.args).toEqual([role]);
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'paxos-config' } }]);
      // The id is written down, never taken from the pod's name or ordinal.
      expect(envOf(set, 'PROCESS_ID')).toEqual({ name: 'PROCESS_ID', value: id });
      const adminKey = envOf(set, 'ADMIN_KEY');
      const clientKeys = envOf(set, 'CLIENT_KEYS');
      if (role === 'replica') {
        expect(adminKey?.valueFrom).toEqual({
          secretKeyRef: { name: 'paxos-secrets', key: 'ADMIN_KEY' },
        });
        // Production mode refuses a replica without client keys.
        expect(clientKeys?.valueFrom).toEqual({
          secretKeyRef: { name: 'paxos-secrets', key: 'CLIENT_KEYS' },
        });
      } else {
        // Only replicas serve POST /admin/reconfigure and the client API: the keys go nowhere else.
        expect(adminKey).toBeUndefined();
        expect(clientKeys).toBeUndefined();
      }
    }

    it.each(roles)(
      'each %s is a member file of its own, and the members as shipped are the initial %s',
      (role, listKey) => {
        const ids = membersOf(role).map((d) => d.metadata.name);
        expect(ids.length).toBeGreaterThan(0);
        expect([...ids].sort()).toEqual([...config[listKey]!.split(',')].sort());
        for (const id of ids) {
          expect(yamlFiles).toContain(`members/${id}.yaml`);
          expectMember(role, id, loadFile(`members/${id}.yaml`));
        }
      },
    );

    it.each(roles)('every %s has the same pod template but for its id', (role) => {
      const [first, ...rest] = membersOf(role);
      const withoutId = (d: Manifest) =>
        JSON.stringify(specOf(d).template).replaceAll(d.metadata.name, '<id>');
      for (const other of rest) expect(withoutId(other)).toEqual(withoutId(first!));
    });

    it('a copy of a member file with a new id everywhere is a valid new member', () => {
      // The README's procedure for acceptor-3 replacing acceptor-1.
      const copy = parseManifests(
        readText('members/acceptor-1.yaml').replaceAll('acceptor-1', 'acceptor-3'),
        'acceptor-3',
      );
      for (const d of copy) expect(() => validateAgainstSchema(d)).not.toThrow();
      expectMember('acceptor', 'acceptor-3', copy);
    });

    it('no identity comes from a pod name or ordinal any more', () => {
      for (const set of byKind('StatefulSet')) {
        expect(envOf(set, 'PROCESS_ID')?.valueFrom).toBeUndefined();
      }
      // Role-wide StatefulSets are gone: their ordinals would decide which member a scale-down
      // removes.
      expect(byKind('StatefulSet').map((d) => d.metadata.name)).not.toEqual(
        expect.arrayContaining(['acceptor', 'leader', 'replica']),
      );
    });

    it('the ConfigMap says its lists are the initial configuration, and not to scale with them', () => {
      const text = readText('01-configmap.yaml');
      expect(text).toMatch(/INITIAL configuration \(epoch 0\) only/);
      expect(text).toMatch(/POST\s+(#\s+)?\/admin\/reconfigure/);
      for (const file of yamlFiles) {
        expect({ file, unsafe: /change a StatefulSet's replicas/i.test(readText(file)) }).toEqual({
          file,
          unsafe: false,
        });
      }
    });

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
        for (const member of membersOf(role)) {
          const c = containerOf(member);
          expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
          expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
        }
      }
    });

    it('a PodDisruptionBudget lets one acceptor go at a time, which leaves a majority', () => {
      const pdb = named('PodDisruptionBudget', 'acceptor');
      const spec = pdb.spec as { maxUnavailable: number; selector: { matchLabels: object } };
      const acceptors = membersOf('acceptor');
      expect(acceptors.length).toBeGreaterThanOrEqual(3);
      expect(spec.maxUnavailable).toBe(1);
      for (const a of acceptors) {
        expect(specOf(a).template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      }
      // Nothing else carries the acceptors' label.
      const others = [...byKind('StatefulSet'), ...byKind('Deployment')].filter(
        (d) => !acceptors.includes(d),
      );
      for (const d of others) {
        expect(specOf(d).template.metadata.labels).not.toMatchObject(spec.selector.matchLabels);
      }
    });

    it('postgres keeps its data on a persistent volume', () => {
      const pg = named('StatefulSet', 'postgres').spec as {
        volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
      };
      expect(pg.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['data']);
    });

    it('the only Secret is an example that kustomization.yaml does not apply, and production refuses each value', () => {
      const secrets = manifests.filter((m) => m.doc.kind === 'Secret');
      expect(secrets.map((s) => s.file)).toEqual(['secret.example.yaml']);
      const data = secrets[0]!.doc.stringData ?? {};
      expect(Object.keys(data).sort()).toEqual([
        'ADMIN_KEY',
        'CLIENT_KEYS',
        'DASHBOARD_TOKEN',
        'NEURELO_API_KEY',
        'PAXOS_KEY',
        'POSTGRES_PASSWORD',
      ]);
      for (const [name, value] of Object.entries(data)) {
        if (name === 'CLIENT_KEYS') {
          // Each entry is name:access:sha256hex: the hash of a published example key.
          for (const entry of value.split(',')) {
            const hash = entry.split(':')[2]!;
            expect({ entry, example: PUBLISHED_EXAMPLE_KEY_HASHES.has(hash) }).toEqual({
              entry,
              example: true,
            });
          }
        } else {
          expect({ name, example: isPublishedExampleKey(value) }).toEqual({ name, example: true });
        }
      }
    });

    it('kustomization.yaml lists every manifest but the examples, and nothing else', () => {
      const kustomization = loadFile('kustomization.yaml')[0] as unknown as {
        resources: string[];
      };
      const examples = ['ingress.example.yaml', 'secret.example.yaml'];
      expect(yamlFiles).toEqual(expect.arrayContaining(examples));
      expect([...kustomization.resources].sort()).toEqual(
        yamlFiles.filter((f) => !examples.includes(f)),
      );
    });

    it('production mode is on for every service, with the secrets it asks for', () => {
      expect(config.PAXOS_PRODUCTION).toBe('true');
      // The in-cluster data API is plain http: its host must be allowed, or nothing starts.
      const dataApiHost = new URL(config.NEURELO_API_BASE!).hostname;
      const plainHosts = config.DATA_API_PLAIN_HTTP_HOSTS!.split(',');
      expect(plainHosts).toEqual(
        expect.arrayContaining([dataApiHost, `${dataApiHost}.durable-paxos.svc`]),
      );
      expect(named('Service', dataApiHost).metadata.name).toBe(dataApiHost);
      const fromConfig = (key: string) => ({ configMapKeyRef: { name: 'paxos-config', key } });
      const fromSecret = (key: string) => ({ secretKeyRef: { name: 'paxos-secrets', key } });
      for (const [kind, name] of [
        ['Deployment', 'neurelo'],
        ['Deployment', 'dashboard'],
      ] as const) {
        expect(envOf(named(kind, name), 'PAXOS_PRODUCTION')?.valueFrom).toEqual(
          fromConfig('PAXOS_PRODUCTION'),
        );
      }
      const dashboard = named('Deployment', 'dashboard');
      expect(envOf(dashboard, 'DATA_API_PLAIN_HTTP_HOSTS')?.valueFrom).toEqual(
        fromConfig('DATA_API_PLAIN_HTTP_HOSTS'),
      );
      for (const key of ['DASHBOARD_TOKEN', 'PAXOS_KEY']) {
        expect(envOf(dashboard, key)?.valueFrom).toEqual(fromSecret(key));
      }
      // The role pods take the whole ConfigMap (checked per member above).
    });

    it('every Service and workload selects pods by the labels the manifests give them', () => {
      const podLabels = workloads().map((w) => specOf(w).template.metadata.labels);
      for (const w of workloads()) {
        const where = `${w.kind} ${w.metadata.name}`;
        const spec = specOf(w);
        expect({ where, ok: selects(spec.selector, spec.template.metadata.labels) }).toEqual({
          where,
          ok: true,
        });
      }
      for (const svc of byKind('Service')) {
        const selector = (svc.spec as { selector: Record<string, string> }).selector;
        const where = `Service ${svc.metadata.name}`;
        const hits = podLabels.filter((l) => selects({ matchLabels: selector }, l)).length;
        expect({ where, hits: hits > 0 }).toEqual({ where, hits: true });
      }
    });

    it("the example Ingress sends only the client API to the replicas' Service", () => {
      const ingress = named('Ingress', 'paxos').spec as {
        tls: Array<{ hosts: string[]; secretName: string }>;
        rules: Array<{
          host: string;
          http: { paths: Array<{ path: string; backend: { service: { name: string } } }> };
        }>;
      };
      expect(ingress.tls[0]?.hosts).toContain(ingress.rules[0]?.host);
      const paths = ingress.rules.flatMap((r) => r.http.paths);
      expect(paths.map((p) => p.path).sort()).toEqual([
        '/commands',
        '/openapi.json',
        '/sessions',
        '/watch',
      ]);
      for (const p of paths)
        expect(named('Service', p.backend.service.name).metadata.name).toBe('paxos');
    });

    it('the dashboard scrapes every member by its Service, and members added later too', () => {
      const targets = config.FLEET_TARGETS!.split(',').map((t) => t.split('='));
      const ids = roles.flatMap(([, listKey]) => config[listKey]!.split(','));
      expect(targets.map(([id]) => id).sort()).toEqual([...ids].sort());
      for (const [id, url] of targets) {
        expect(url).toBe(`http://${id}:8080`);
        expect(named('Service', id!).metadata.name).toBe(id);
      }
      expect(config.FLEET_MEMBER_URL).toBe('http://{id}:8080');
      const dashboard = named('Deployment', 'dashboard');
      expect(envOf(dashboard, 'FLEET_MEMBER_URL')?.valueFrom).toEqual({
        configMapKeyRef: { name: 'paxos-config', key: 'FLEET_MEMBER_URL' },
      });
    });
  });

  describe('the NetworkPolicies', () => {
    const policies = byKind('NetworkPolicy');
    /** A pod of each workload: its name and labels. */
    const pods = () =>
      workloads().map((w) => ({
        name: w.metadata.name,
        labels: specOf(w).template.metadata.labels,
      }));
    const names = (predicate: (labels: Record<string, string>) => boolean) =>
      pods()
        .filter((p) => predicate(p.labels))
        .map((p) => p.name)
        .sort();
    const role =
      (...roles: string[]) =>
      (l: Record<string, string>) =>
        roles.includes(l['app.kubernetes.io/name']!);

    it('deny all ingress by default', () => {
      const deny = named('NetworkPolicy', 'default-deny-ingress').spec as unknown as PolicySpec;
      expect(deny.podSelector).toEqual({});
      expect(deny.policyTypes).toEqual(['Ingress']);
      expect(deny.ingress).toBeUndefined();
    });

    it('let only the role pods and the dashboard reach the data API', () => {
      const neurelo = pods().find((p) => p.name === 'neurelo')!;
      expect(peersOf(policies, neurelo.labels)).toEqual({
        pods: names(role('acceptor', 'leader', 'replica', 'dashboard')),
        outside: [],
      });
    });

    it('let only the data API reach PostgreSQL', () => {
      const postgres = pods().find((p) => p.name === 'postgres')!;
      expect(peersOf(policies, postgres.labels)).toEqual({ pods: ['neurelo'], outside: [] });
    });

    it('let the dashboard scrape every role, and labelled namespaces reach the client port', () => {
      for (const p of pods().filter((x) => role('acceptor', 'leader', 'replica')(x.labels))) {
        const peers = peersOf(policies, p.labels);
        expect({ pod: p.name, pods: peers.pods }).toEqual({ pod: p.name, pods: ['dashboard'] });
        const expected = ['durable-paxos/metrics-access=true'];
        if (role('replica')(p.labels)) expected.push('durable-paxos/client-access=true');
        expect({ pod: p.name, outside: peers.outside }).toEqual({
          pod: p.name,
          outside: expected.sort(),
        });
      }
      const dashboard = pods().find((p) => p.name === 'dashboard')!;
      expect(peersOf(policies, dashboard.labels)).toEqual({
        pods: [],
        outside: ['durable-paxos/dashboard-access=true', 'durable-paxos/metrics-access=true'],
      });
    });

    it('select pods that exist: every selector matches a pod of the manifests', () => {
      for (const p of policies) {
        const spec = p.spec as unknown as PolicySpec;
        const selectors = [
          spec.podSelector,
          ...(spec.ingress ?? []).flatMap((r) => r.from.map((f) => f.podSelector)),
        ].filter((x): x is Selector => x !== undefined);
        for (const selector of selectors) {
          const where = `${p.metadata.name}: ${JSON.stringify(selector)}`;
          expect({ where, hits: names((l) => selects(selector, l)).length > 0 }).toEqual({
            where,
            hits: true,
          });
        }
      }
    });

    it('the reachability check sees a broken policy (a misspelt label, an extra peer)', () => {
      const neurelo = pods().find((p) => p.name === 'neurelo')!;
      const misspelt = clone(policies);
      const np = misspelt.find((d) => d.metadata.name === 'neurelo-from-roles-and-dashboard')!;
      const from = (np.spec as unknown as PolicySpec).ingress![0]!.from[0]!;
      from.podSelector!.matchExpressions![0]!.values = [
        'acceptors',
        'leader',
        'replica',
        'dashboard',
      ];
      expect(peersOf(misspelt, neurelo.labels).pods).not.toContain('acceptor-0');
      const widened = clone(policies);
      const pg = widened.find((d) => d.metadata.name === 'postgres-from-neurelo')!;
      (pg.spec as unknown as PolicySpec).ingress![0]!.from.push({ namespaceSelector: {} });
      const postgres = pods().find((p) => p.name === 'postgres')!;
      expect(peersOf(widened, postgres.labels).outside).toEqual(['(any namespace)']);
    });
  });
});

describe('the CloudNativePG component (k8s/postgres-ha/)', () => {
  const file = (f: string) => `${HA_COMPONENT}/${f}`;
  const [cluster] = loadFile(file('cluster.yaml'));
  const policies = loadFile(file('network-policies.yaml'));
  const component = loadFile(file('kustomization.yaml'))[0] as unknown as {
    kind: string;
    resources: string[];
    patches: Array<{ patch: string }>;
  };
  const patches = component.patches.map((p) => parseManifests(p.patch, 'a patch')[0]!);
  const parsed = CnpgClusterSchema.parse(cluster);
  /**
   * The schema's verdict on the Cluster with fields changed: each `path` (dots) set to its
   * value, or removed when the value is undefined. 'accepted', or the paths of the issues.
   */
  const refusal = (...changes: Array<[string, unknown]>): string => {
    const d = clone(cluster) as unknown as Record<string, unknown>;
    for (const [where, value] of changes) {
      const keys = where.split('.');
      const last = keys.pop()!;
      let node = d;
      for (const k of keys) node = node[k] as Record<string, unknown>;
      if (value === undefined) delete node[last];
      else node[last] = value;
    }
    const r = CnpgClusterSchema.safeParse(d);
    return r.success ? 'accepted' : r.error.issues.map((i) => i.path.join('.')).join(', ');
  };

  it('is a Cluster of three instances with synchronous replication of the ANY 1 kind', () => {
    expect(parsed.metadata.namespace).toBe('durable-paxos');
    expect(parsed.spec.instances).toBe(3);
    expect(parsed.spec.postgresql.synchronous).toEqual({ method: 'any', number: 1 });
    expect(parsed.spec.bootstrap).toEqual({ initdb: { database: 'paxos', owner: 'paxos' } });
    expect(parsed.spec.affinity?.podAntiAffinityType).toBe('required');
  });

  it('the subset schema refuses a misspelt or unknown field, one instance, no free standby', () => {
    expect(refusal()).toBe('accepted');
    expect(refusal(['spec.instances', undefined], ['spec.instance', 3])).toContain(
      'spec.instances',
    );
    expect(refusal(['spec.postgresql.synchronous.methd', 'any'])).toContain(
      'spec.postgresql.synchronous',
    );
    expect(refusal(['spec.storage.sizee', '5Gi'])).toContain('spec.storage');
    expect(refusal(['spec.backupp', {}])).toContain('spec');
    expect(refusal(['spec.instances', 1])).toContain('spec.instances');
    expect(refusal(['spec.postgresql.synchronous.number', 3])).toContain(
      'spec.postgresql.synchronous.number',
    );
    expect(refusal(['spec.postgresql.synchronous.method', 'first'])).toContain(
      'spec.postgresql.synchronous.method',
    );
    expect(refusal(['spec.storage.size', 'five gigs'])).toContain('spec.storage.size');
    expect(refusal(['apiVersion', 'postgresql.cnpg.io/v2'])).toContain('apiVersion');
    // A restore's Cluster (docs/operations.md) passes; initdb and recovery at once do not.
    const recovery = { database: 'paxos', owner: 'paxos', backup: { name: 'paxos-pg-1' } };
    expect(refusal(['spec.bootstrap', { recovery }])).toBe('accepted');
    expect(refusal(['spec.bootstrap.recovery', recovery])).toContain('spec.bootstrap');
    expect(refusal(['spec.bootstrap', { recovery: { ...recovery, backupp: {} } }])).toContain(
      'spec.bootstrap',
    );
  });

  it('its NetworkPolicy is valid, and lets in only the data API, the instances and the operator', () => {
    expect(policies.map((p) => p.metadata.name)).toEqual(['paxos-pg-ingress']);
    for (const p of policies) {
      expect(() => validateAgainstSchema(p)).not.toThrow();
      expect(p.metadata.namespace).toBe('durable-paxos');
    }
    const instance = { 'cnpg.io/cluster': parsed.metadata.name, 'cnpg.io/instanceRole': 'primary' };
    expect(peersOf(policies, instance)).toEqual({
      pods: ['neurelo'],
      outside: ['kubernetes.io/metadata.name=cnpg-system'],
    });
    const spec = policies[0]!.spec as unknown as PolicySpec;
    const fromInstances = spec.ingress!.flatMap((r) => r.from).filter((f) => f.podSelector);
    expect(fromInstances.some((f) => selects(f.podSelector!, instance))).toBe(true);
  });

  it('is a Component that replaces the single PostgreSQL and points the data API at <cluster>-rw', () => {
    expect(component.kind).toBe('Component');
    expect([...component.resources].sort()).toEqual(['cluster.yaml', 'network-policies.yaml']);
    const deleted = patches
      .filter((p) => (p as unknown as Record<string, unknown>)['$patch'] === 'delete')
      .map((p) => `${p.kind} ${p.metadata.name}`)
      .sort();
    expect(deleted).toEqual([
      'NetworkPolicy postgres-from-neurelo',
      'Service postgres',
      'StatefulSet postgres',
    ]);
    const configPatch = patches.find((p) => p.kind === 'ConfigMap')!;
    expect(configPatch.data?.POSTGRES_HOST).toBe(readWriteServiceOf(parsed));
    const initdb = 'initdb' in parsed.spec.bootstrap ? parsed.spec.bootstrap.initdb : null;
    expect(configPatch.data?.POSTGRES_USER).toBe(initdb?.owner);
    expect(configPatch.data?.POSTGRES_DB).toBe(initdb?.database);
    const neurelo = patches.find((p) => p.kind === 'Deployment')!;
    const env = specOf(neurelo).template.spec.containers[0]!.env!;
    expect(env).toEqual([
      {
        name: 'POSTGRES_PASSWORD',
        valueFrom: { secretKeyRef: { name: appSecretOf(parsed), key: 'password' } },
      },
    ]);
    expect(readText('kustomization.yaml')).toContain(`# components: [${HA_COMPONENT}]`);
  });

  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? it : it.skip)('renders with kubectl kustomize once turned on', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paxos-k8s-ha-'));
    try {
      cpSync(K8S_DIR, dir, { recursive: true });
      const k = path.join(dir, 'kustomization.yaml');
      const text = readFileSync(k, 'utf8');
      writeFileSync(
        k,
        text.replace(`# components: [${HA_COMPONENT}]`, `components: [${HA_COMPONENT}]`),
      );
      const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const docs = parseManifests(out, 'the rendering');
      const names = docs.map((d) => `${d.kind} ${d.metadata.name}`);
      expect(names).toContain('Cluster paxos-pg');
      expect(names).toContain('NetworkPolicy paxos-pg-ingress');
      expect(names).not.toContain('StatefulSet postgres');
      expect(names).not.toContain('Service postgres');
      expect(names).not.toContain('NetworkPolicy postgres-from-neurelo');
      const config = docs.find((d) => d.kind === 'ConfigMap')!;
      expect(config.data?.POSTGRES_HOST).toBe('paxos-pg-rw');
      const neurelo = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'neurelo')!;
      const env = specOf(neurelo).template.spec.containers[0]!.env!;
      expect(env.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom).toEqual({
        secretKeyRef: { name: 'paxos-pg-app', key: 'password' },
      });
      for (const d of docs.filter((x) => x.kind !== 'Cluster')) {
        expect(() => validateAgainstSchema(d)).not.toThrow();
      }
      expect(() => CnpgClusterSchema.parse(docs.find((d) => d.kind === 'Cluster'))).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes: string[];
  ingress?: Array<{
    from: Array<{ podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: object }>;
  }>;
}

function workloads(): Manifest[] {
  return [...byKind('StatefulSet'), ...byKind('Deployment')];
}

/** Kubernetes' label selector semantics (matchLabels AND every matchExpression). */
function selects(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const ok =
      e.operator === 'In'
        ? has && e.values!.includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !e.values!.includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/**
 * Who may open a connection to a pod with `labels`, by the union of the ingress rules of the
 * policies that select it: the workloads of this namespace (by name), and what comes from
 * outside it (a namespace selector, printed `key=value`, or an IP block).
 */
function peersOf(
  policies: Manifest[],
  labels: Record<string, string>,
): { pods: string[]; outside: string[] } {
  const pods = new Set<string>();
  const outside = new Set<string>();
  for (const p of policies) {
    const spec = p.spec as unknown as PolicySpec;
    if (!selects(spec.podSelector, labels)) continue;
    for (const rule of spec.ingress ?? []) {
      for (const peer of rule.from) {
        if (peer.ipBlock) outside.add(`ipBlock ${JSON.stringify(peer.ipBlock)}`);
        else if (peer.namespaceSelector) {
          const sel = peer.namespaceSelector.matchLabels ?? {};
          const text = Object.entries(sel)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          outside.add(text === '' ? '(any namespace)' : text);
        } else if (peer.podSelector) {
          for (const w of workloads()) {
            if (selects(peer.podSelector, specOf(w).template.metadata.labels))
              pods.add(w.metadata.name);
          }
        }
      }
    }
  }
  return { pods: [...pods].sort(), outside: [...outside].sort() };
}
