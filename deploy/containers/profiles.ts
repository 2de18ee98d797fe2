import { parse, stringify } from 'yaml';

/**
 * Docker Compose's profile rule, for podman-compose 1.0.x, which ignores `profiles`: a
 * service that names profiles runs only when one of them is active; a `depends_on` entry on a
 * service that does not run is dropped when it says `required: false`, and is an error
 * otherwise (as Compose reports it). Returns the compose file without the services that
 * would not run, anchors and merge keys resolved.
 */
export function applyProfiles(composeText: string, activeProfiles: string[]): string {
  const doc = parse(composeText, { merge: true }) as {
    services: Record<string, { profiles?: string[]; depends_on?: unknown }>;
  };
  const off = new Set(
    Object.entries(doc.services)
      .filter(([, s]) => s.profiles && !s.profiles.some((p) => activeProfiles.includes(p)))
      .map(([name]) => name),
  );
  for (const name of off) delete doc.services[name];
  for (const [name, service] of Object.entries(doc.services)) {
    delete service.profiles;
    const deps = service.depends_on;
    if (deps === undefined) continue;
    const entries: Array<[string, { required?: boolean }]> = Array.isArray(deps)
      ? (deps as string[]).map((d) => [d, {}])
      : Object.entries(deps as Record<string, { required?: boolean }>);
    const kept = entries.filter(([dep, spec]) => {
      if (!off.has(dep)) return true;
      if (spec.required === false) return false;
      throw new Error(`service ${name} depends on ${dep}, which the active profiles turn off`);
    });
    if (kept.length === 0) delete service.depends_on;
    else service.depends_on = Object.fromEntries(kept);
  }
  // x-* extension fields only held anchors, which are resolved now.
  for (const key of Object.keys(doc))
    if (key.startsWith('x-')) delete (doc as Record<string, unknown>)[key];
  return stringify(doc);
}
