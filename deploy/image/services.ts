/**
 * The services one image runs, chosen by SERVICE (or the container's first argument). Each is
 * bundled from its TypeScript entry into bundles/<name>.js by deploy/bundle.mjs.
 */
export const IMAGE_SERVICES = {
  'neurelo-local': 'services/neurelo-local/src/main.ts',
  acceptor: 'services/acceptor/src/main.ts',
  leader: 'services/leader/src/main.ts',
  replica: 'services/replica/src/main.ts',
  dashboard: 'services/dashboard/src/main.ts',
} as const;

export type ImageService = keyof typeof IMAGE_SERVICES;

/** Other names people reach for; they select the same bundle. */
const ALIASES: Record<string, ImageService> = { neurelo: 'neurelo-local' };

export function resolveService(name: string | undefined): ImageService | null {
  if (name === undefined || name === '') return null;
  if (name in IMAGE_SERVICES) return name as ImageService;
  return ALIASES[name] ?? null;
}
