/** Constants shared by the workloads: the same seeds give the same corpus in every process. */

/** Topic terms in the world of the corpus (profiles draw their keywords from them). */
export const TERM_UNIVERSE = 50_000;

export const SEEDS = {
  terms: 20_260_101,
  corpus: 4_242,
  profiles: 777,
} as const;

/** The pipeline's profile set: 20 profiles × 50 keywords + 5 regexes. */
export const PIPELINE_PROFILES = {
  profiles: 20,
  keywordsPerProfile: 50,
  regexesPerProfile: 5,
  keywordPool: 5_000,
};
