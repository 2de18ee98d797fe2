/**
 * Deliberately broken configurations, one per checker of issue 17, each of which a run must
 * catch (the CLI exits non-zero; sim/test/sim/broken-variants.test.ts shows which checker
 * fires). `--volatile-acceptors` is the older one of the same kind.
 */
export const BROKEN_VARIANTS = [
  'forgetful-sessions',
  'wrong-digest',
  'one-page-p1b',
  'one-part-snapshot',
  'unchecked-input',
] as const;
export type BrokenVariant = (typeof BROKEN_VARIANTS)[number];

/** One line each for --help: the mistake, and (in brackets) the checker that must catch it. */
export const BROKEN_VARIANT_HELP: Readonly<Record<BrokenVariant, string>> = {
  'forgetful-sessions': "replicas forget evicted answers' floors (at-most-once)",
  'wrong-digest': 'answers name the op asked for, not the one run (answered-once)',
  'one-page-p1b': 'acceptors send a p1b as one page, however large (limits)',
  'one-part-snapshot': 'replicas write their snapshot as one durable value (limits)',
  'unchecked-input': 'the client boundary lets NUL and lone surrogates in (storable)',
};

export function isBrokenVariant(name: string): name is BrokenVariant {
  return (BROKEN_VARIANTS as readonly string[]).includes(name);
}
