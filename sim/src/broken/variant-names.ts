/**
 * Deliberately broken configurations, one per checker of issues 17 and 18, each of which a run
 * must catch (the CLI exits non-zero; sim/test/sim/broken-variants.test.ts shows which checker
 * fires). `--volatile-acceptors` is the older one of the same kind.
 */
export const BROKEN_VARIANTS = [
  'forgetful-sessions',
  'wrong-digest',
  'one-page-p1b',
  'one-part-snapshot',
  'unchecked-input',
  'reconfig-at-once',
  'collect-below-one',
  'read-without-probe',
  'read-before-apply',
  'read-minority',
] as const;
export type BrokenVariant = (typeof BROKEN_VARIANTS)[number];

/** One line each for --help: the mistake, and (in brackets) the checker that must catch it. */
export const BROKEN_VARIANT_HELP: Readonly<Record<BrokenVariant, string>> = {
  'forgetful-sessions': "replicas forget evicted answers' floors (at-most-once)",
  'wrong-digest': 'answers name the op asked for, not the one run (answered-once)',
  'one-page-p1b': 'acceptors send a p1b as one page, however large (limits)',
  'one-part-snapshot': 'replicas write their snapshot as one durable value (limits)',
  'unchecked-input': 'the client boundary lets NUL and lone surrogates in (storable)',
  'reconfig-at-once': 'a reconfiguration decided at s governs from s + 1, not s + WINDOW (config)',
  'collect-below-one': 'leaders collect below the highest replica, not a majority (gc-safe)',
  'read-without-probe':
    'replicas serve linearizable reads from their own state at once (linearizable)',
  'read-before-apply':
    'reads are answered once a majority replied, before the slot they named is applied (linearizable)',
  'read-minority': 'a read probe counts its first reply as a majority (linearizable)',
};

/** Variants whose mistake only shows while the membership changes: every seed reconfigures. */
export const RECONFIGURING_VARIANTS: readonly BrokenVariant[] = ['reconfig-at-once'];

export function isBrokenVariant(name: string): name is BrokenVariant {
  return (BROKEN_VARIANTS as readonly string[]).includes(name);
}
