/**
 * Every default of a run's settings, in one table: the config file's schema
 * (src/job/configSchema.ts), the editor's settings (src/extension/settings.ts,
 * and package.json's `contributes.configuration`, which a unit test holds to
 * this table), the engine and the job read them here.
 */
import type { BoundKind, Strategy } from './types';

export const DEFAULTS = {
  /** Share of items whose output must agree with the reference model's. */
  accuracy: 0.95,
  /** Confidence with which the target must hold (for `auto`, over this file's outputs; for the paper's strategies, on a rate). */
  confidence: 0.95,
  /** Chooses among single models, random mixes and gated plans, and certifies its choice. */
  strategy: 'auto' satisfies Strategy,
  /** The bound of the paper's strategies: valid however often profiling looks at it (`auto` certifies with exact bounds at looks set in advance). */
  bound: 'anytime' satisfies BoundKind,
  /** Seed of the engine's random order when its caller gives none (a job draws one per file: src/job/runSeed.ts). */
  seed: 0,
  /** Calls in flight at once over a whole job run. */
  concurrency: 8,
  /** Profiled items between two checks of the bounds, as in the paper. */
  checkEvery: 10,
  /** Profiled items before early termination is considered, as in the paper. */
  minSample: 100,
  /** Confidence levels per model in the mix program, as in the paper. */
  mixLevels: 5,
  /**
   * With a judge (`auto`): the share of the error budget kept for a person's
   * audit of the judge, which turns the guarantee from "as the judge decides"
   * into "as a person would judge" (ARCHITECTURE.md, "The guarantee").
   */
  auditShare: 0.2,
  /** Certification items drawn per plan for a person's audit of the judge (fewer when the first look had fewer). */
  auditItems: 40,
  /** Time allowed for one attempt of a call, body included. */
  timeoutMs: 120_000,
  /**
   * The output tokens a call may take on an endpoint whose protocol requires
   * a limit (Anthropic's), when the config sets no `maxTokens`: room for the
   * longest answers Smart's tasks ask for, and the cost preview's bound.
   */
  requiredMaxTokens: 4096,
  /**
   * How long calls keep being retried while their endpoint answers nothing at
   * all (and how long one request may fail on its own while it answers
   * others): longer than providers' usual outages, short enough that a dead
   * endpoint ends a run the same hour.
   */
  retryMinutes: 10,
  /** The item field a recording's `item` names, when a run is replayed. */
  itemKey: 'id',
  /** Open the output file and the cost panel when a run finishes (editor only). */
  openOutputsWhenDone: true,
  /** Send the items after profiling to the providers' Batch APIs (off: every call online). */
  batch: false,
  /**
   * When batch mode is left to Smart (`--batch auto`), it is chosen where the
   * wait is worth it: the reference's endpoint takes batches, the file has at
   * least `minItems` items, the discount saves at least `minShare` of the
   * list price, and at least `minSavingUsd` on the reference alone.
   */
  batchAuto: { minItems: 1000, minShare: 0.25, minSavingUsd: 1 },
  /** Batch mode's settings, when it is on. */
  batchSettings: {
    /** Time between two polls of the running batches. */
    pollSeconds: 30,
    /** Share of the list price a batch engine charges (OpenAI's and most others': half). */
    discount: 0.5,
    /** Requests one batch (one request file) may hold: OpenAI's limit. */
    maxRequestsPerBatch: 50_000,
    /** Bytes one request file may hold: under OpenAI's 200 MB. */
    maxBytesPerBatch: 200_000_000,
    /**
     * What becomes of requests batches keep leaving unanswered: `online`
     * finishes them with online calls at list price once two batches ended
     * without answering them (expired, or their line failed), or once the run
     * has waited `maxHours`; `wait` keeps resubmitting them.
     */
    stragglers: 'online' as 'online' | 'wait',
    /** Hours a batch run waits for its batches before its stragglers go online: a provider's 24-hour window. */
    maxHours: 24,
  },
} as const;
