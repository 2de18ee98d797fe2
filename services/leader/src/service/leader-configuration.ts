import { configView, type ConfigurationReport } from '@paxos/runtime';
import type { ConfigEntry, Configuration } from '@paxos/shared';
import type { LeaderProcessState } from '../role/leader-process';

/**
 * GET /config of a leader: what this process learned. It knows the initial configuration from
 * its environment and later ones only from replicas (the configuration a proposal's slot
 * belongs to, the schedule in a progress report), so it may lag the log. It takes as in force
 * the newest configuration it knows that governs the highest slot it has seen decided or
 * collected, and as pending any newer one.
 */
export function leaderConfiguration(
  state: LeaderProcessState,
  initial: Configuration,
): ConfigurationReport {
  // The role keeps epoch 0 with a placeholder WINDOW (it never uses it): report the real one.
  const schedule = state.schedule.map((e): ConfigEntry =>
    e.config.epoch === 0 ? { startSlot: 1, config: initial } : e,
  );
  let frontier = 1;
  for (const leader of state.leaders.values()) {
    frontier = Math.max(frontier, leader.collectedBelow);
    for (const slot of leader.decided.keys()) frontier = Math.max(frontier, slot + 1);
  }
  // Retired epochs are over; an epoch this process never served may still be the latest.
  const live = schedule.filter((e) => e.config.epoch >= state.retiredBelow);
  const candidates = live.length > 0 ? live : schedule.slice(-1);
  let inForce = candidates[0]!;
  for (const entry of candidates) if (entry.startSlot <= frontier) inForce = entry;
  const latest = candidates[candidates.length - 1]!;
  const pending = latest.config.epoch > inForce.config.epoch ? latest : null;
  return {
    member: inForce.config.leaders.includes(state.config.id),
    epoch: inForce.config.epoch,
    inForce: configView(inForce),
    pending: pending && configView(pending),
    schedule: schedule.map(configView),
    /** The epochs this process runs a leader for, and below which it retired them. */
    served: [...state.leaders.keys()].sort((a, b) => a - b),
    retiredBelow: state.retiredBelow,
    /** Each served configuration's garbage-collection horizon: its slots below are collected. */
    horizons: Object.fromEntries(
      [...state.leaders].map(([epoch, leader]) => [epoch, leader.collectedBelow]),
    ),
    /** The highest slot this process has seen decided or collected, plus one. */
    frontierSlot: frontier,
    learned: 'a leader learns configurations from the replicas (proposals and progress reports)',
  };
}
