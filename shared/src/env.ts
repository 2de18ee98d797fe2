/**
 * An environment as the services read it: a variable set to an empty or blank value counts as
 * unset, so its default applies. Compose files pass `NAME=` through from an `.env` line left
 * empty (podman-compose 1.0 does even where the file says `${NAME:-default}`), and a service
 * must take that as "not given", not as a bad value.
 */
export function withoutEmptySettings(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') present[name] = value;
  }
  return present;
}
