/**
 * Every bound of the system, in one place (TigerBeetle's "put a limit on everything").
 *
 * Sizes named `...JsonBytes...` are measured as the UTF-8 bytes of JSON.stringify of the thing
 * (`jsonBytes` below): escapes included, so a value of control characters or quotes counts what
 * it really costs. The data API receives every durable write and every message nested three
 * JSON levels deep (the message's own JSON, inside the `sends`/`puts` variable's JSON text,
 * inside the request body), and each level can at most double the `"` and `\` of the one
 * inside it: a thing of N JSON bytes costs at most 4 N + 4 bytes of request body
 * (`bodyBytesOfJsonText`). The bounds below are chosen so that the largest possible message or
 * state write, alone in a step commit, fits the data API's body limit with room to spare; a
 * test (shared/test/limits.test.ts) builds those worst cases and checks it.
 */
export const LIMITS = Object.freeze({
  /** The data API's request body limit (the local server's default; hosted Neurelo's). */
  dataApiBodyBytesMax: 1_048_576,
  /**
   * One step commit's body, at most. The role shell splits a step's writes into several commits
   * to stay under it; the margin covers the request's own fields.
   */
  commitBodyBytesMax: 960 * 1024,

  /** A key of the replicated store, in characters. */
  keyCharsMax: 256,
  /** A value of the replicated store, as JSON (UTF-8, escapes included). */
  valueJsonBytesMax: 64 * 1024,
  /** A whole client command, as JSON. A value at its limit plus a key at its limit fit. */
  commandJsonBytesMax: 72 * 1024,
  /** A client's HTTP request body for one command (the JSON may be spaced out). */
  commandBodyBytesMax: 128 * 1024,
  /** Commands in one batch (one slot). */
  batchCommandsMax: 10_000,
  /**
   * The commands of one batch, as JSON. A single command larger than this still goes alone, and
   * a command is at most commandJsonBytesMax, so a batch is at most this plus nothing.
   */
  batchJsonBytesMax: 128 * 1024,

  /**
   * Any one message on the queue, as JSON: a batch with its envelope (p2a, decision, propose,
   * accepted) or a page of a phase-1 reply. The role shell refuses to send a larger one.
   */
  messageJsonBytesMax: 160 * 1024,
  /** The accepted pvalues in one p1b page, as JSON; a page holds at least one pvalue. */
  p1bPageJsonBytesMax: 128 * 1024,
  /** Any one durable state write (its value), as JSON. */
  stateWriteJsonBytesMax: 160 * 1024,
  /** One part of a replica's snapshot, as JSON. */
  snapshotPartJsonBytesMax: 128 * 1024,
  /**
   * Parts of one snapshot: the store's and the answer cache's quotas (48 MiB) in parts of 128 KiB
   * need about 400; the rest is room for a part that closes early.
   */
  snapshotPartsMax: 1_024,

  /** Client sessions a replica's state holds; registering past it evicts the least recently used. */
  sessionsMax: 4_096,
  /** Answers kept per session for retries: at most this many requests in flight per session. */
  responsesPerSessionMax: 16,
  /** All cached answers' values together, as JSON. */
  responseCacheJsonBytesMax: 16 * 1_048_576,
  /** Keys in the replicated store. */
  kvKeysMax: 100_000,
  /** Keys and values of the replicated store together, as UTF-8 bytes. */
  kvBytesMax: 32 * 1_048_576,

  /** Members of one role in one configuration (acceptors, leaders or replicas). */
  configMembersMax: 15,
  /** PMMC's WINDOW: how many slots a reconfiguration takes to come into force, at most. */
  windowSlotsMax: 1_024,
  /**
   * Configurations in a schedule a message carries or a leader keeps: the one in force and the
   * pending one (a replica refuses a reconfiguration while one is pending, so two at most; room
   * for a leader that serves one about to retire).
   */
  configEntriesMax: 4,
  /**
   * Ids that left the configuration and may never come back (a replacement takes a new id); the
   * oldest are forgotten past this.
   */
  formerMembersMax: 256,
  /** Configurations whose ballots an acceptor keeps at once (it serves several while one hands over). */
  acceptorEpochsMax: 16,

  /** HTTP requests a replica holds waiting for their command, and their bodies' bytes. */
  pendingCommandsMax: 4_096,
  pendingCommandBytesMax: 32 * 1_048_576,
  /**
   * Reads without a slot (docs/reads.md): a replica's read probes in flight at once. A read waits
   * for a probe sent after it arrived, so two let reads that arrive during one probe's round trip
   * start the next at once instead of waiting for it. Each probe costs every acceptor one step.
   */
  readProbesInFlightMax: 2,
  /** Reads one probe serves; more wait for the next (they are also bounded by pendingCommandsMax). */
  readsPerProbeMax: 4_096,
  /** A read probe's id: `<replica id>:<incarnation>:<sequence>`. */
  readProbeIdCharsMax: 160,

  /**
   * How much faster or slower than real time any process's clock may run (0.05: 5 %). Nothing
   * is safe today only because clocks agree: queue and epoch leases are timed by PostgreSQL's
   * now(), and each role times its own timers on its monotonic clock. Time-based mechanisms to
   * come (read leases) must tolerate this drift; the chaos tool's clock fault stays within it
   * (docs/clocks.md).
   */
  clockRateErrorMax: 0.05,
  // client access
  /** Entries of CLIENT_KEYS: room for a key per application and its rotation successor. */
  clientKeysMax: 64,
  /** A client key's text, in characters (a generated key is 47). */
  clientKeyCharsMax: 512,
  /** Origins in ALLOWED_ORIGINS. */
  allowedOriginsMax: 32,
  // list and watch
  /** Entries one `list` answers at most (its `limit`), and what it answers without one. */
  listEntriesMax: 1_000,
  listEntriesDefault: 100,
  /**
   * A `list` answer's entries, as JSON (`[{"key":…,"value":…},…]`). The answer travels where a
   * get's does (the response message, the answer cache, a snapshot part): this leaves room for
   * its other fields under snapshotPartJsonBytesMax, and one entry of the largest key and value
   * always fits, so a list always makes progress.
   */
  listResultJsonBytesMax: 96 * 1024,
  /** Slots of change history a replica may be told to keep (REPLICA_WATCH_RETENTION_SLOTS). */
  watchRetentionSlotsMax: 1_000_000,
  /** The change history a replica holds, as JSON bytes of its changes; the oldest slots go first. */
  watchHistoryJsonBytesMax: 32 * 1_048_576,
  /** Events a watcher may fall behind before it is told `lagged` and closed. */
  watchLagEventsMax: 10_000,
  /** Watchers one replica serves at once (GET /watch answers 503 past it). */
  watchersMax: 1_000,
});

export type Limits = typeof LIMITS;

/** UTF-8 bytes of a string, without encoding it. */
export function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** UTF-8 bytes of JSON.stringify(s) for a string, without building it. */
export function jsonStringBytes(s: string): number {
  let bytes = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x20) bytes += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

/** UTF-8 bytes of JSON.stringify(value). */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? 'null');
}

/**
 * What JSON text costs, measured in one pass: its UTF-8 bytes (what the `...JsonBytes...` limits
 * bound), and its bytes in a step commit's request body, where every `"` and `\` of it doubles
 * at each further level of JSON it sits in.
 */
export interface JsonTextCost {
  utf8Bytes: number;
  /**
   * As a string inside another JSON string inside the request body (a queued message's
   * payload inside `sends`): every `"` and `\` doubles at each of the two levels, plus the
   * quotes around it.
   */
  bodyBytesNested: number;
  /** Written raw inside a JSON string variable (a durable put's value inside `puts`). */
  bodyBytesRaw: number;
}

/**
 * The cost of JSON text `text` (already escaped once, so free of control characters and lone
 * surrogates; a lone surrogate would count 3 bytes, as in utf8Bytes).
 */
export function jsonTextCost(text: string): JsonTextCost {
  let bytes = 0;
  let specials = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes += 1;
      if (c === 0x22 || c === 0x5c) specials += 1;
    } else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return {
    utf8Bytes: bytes,
    bodyBytesNested: bytes + 3 * specials + 4,
    bodyBytesRaw: bytes + specials,
  };
}

/** The body bytes of JSON text `text` as a queued message's payload: see JsonTextCost. */
export function bodyBytesOfJsonText(text: string): number {
  return jsonTextCost(text).bodyBytesNested;
}

/** The body bytes of JSON text `text` as a durable put's value: see JsonTextCost. */
export function bodyBytesOfRawJson(text: string): number {
  return jsonTextCost(text).bodyBytesRaw;
}
