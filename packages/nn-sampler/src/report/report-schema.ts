import { z } from 'zod';

/**
 * `report.json` of `twindb sample` (and of the pipeline's `newdb/`): the single source of truth for
 * its TypeScript types (SampleReport, MatchReport, ClassMix, … are `z.output` of the schemas below)
 * and for the JSON Schema shipped as `packages/nn-sampler/report.schema.json` (`npm run schema -w
 * @twindb/nn-sampler` writes it; a test fails when it is stale). Every field says what it measures,
 * its unit and, for metrics, which way is better.
 *
 * The file writes numbers that cannot be computed (NaN in memory: an empty set, no codebook) as
 * null; {@link metric} fields accept that null and read it back as NaN.
 */

/** A number written as null when it cannot be computed (NaN in memory). */
const metric = (description: string) =>
  z
    .number()
    .nullable()
    .transform((v) => v ?? NaN)
    .describe(`${description} Null when it cannot be computed (e.g. an empty set).`);

const count = (description: string) => z.number().int().nonnegative().describe(description);
/** Array elements (the array says what they are). */
const int = z.number().int().nonnegative();
const maybeNumber = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);
const seconds = (description: string) => z.number().nonnegative().describe(`${description} (seconds)`);
const COSINE = 'cosine distance 1 − cos θ between L2-normalised embeddings, in [0, 2]';

/** One value per set compared: the target, the selection, a random pool sample of the selection's size, the whole pool. */
const perSet = <T extends z.ZodType>(schema: T, what: string) =>
  z
    .strictObject({
      target: schema.describe(`${what} in the target`),
      selected: schema.describe(`${what} in the selection (the new DB)`),
      randomSample: schema.describe(`${what} in a uniform random pool sample of the selection's size (the baseline)`),
      pool: schema.describe(`${what} in the whole pool`),
    })
    .describe(`${what}, per set`);

const tvToTarget = (what: string) =>
  z
    .strictObject({
      selected: metric(`TV distance between the selection's ${what} and the target's: ½ Σ |p − q| over shares, in [0, 1]; lower is better (0 = the same mix).`),
      randomSample: metric(`TV distance between a random pool sample's ${what} and the target's, in [0, 1]: the baseline the selection should beat.`),
      pool: metric(`TV distance between the whole pool's ${what} and the target's, in [0, 1]: what no selection at all gives.`),
    })
    .describe(`total-variation distance of each set's ${what} to the target's`);

export const TvToTargetSchema = tvToTarget('distribution');

/** Histogram of cosine distances. */
export const DistanceHistogramSchema = z
  .strictObject({
    edges: z.array(z.number()).describe(`bin edges (${COSINE}); one more than counts, from 0 to the largest distance seen`),
    counts: z.array(int).describe('items per bin'),
    median: z.number().nullable().describe(`median distance (${COSINE}); null without finite distances`),
  })
  .describe('histogram of distances');

/** Feature-space distances of one candidate set to the target. */
export const FeatureMatchSchema = z
  .strictObject({
    size: count('items in this set (the selection, the random sample of the same size, or the pool sample the metrics use)'),
    mmd2: metric(
      'Squared maximum mean discrepancy to the target (unbiased estimator, Gretton et al. 2012; RBF kernel exp(−‖a − b‖² / bandwidth) on L2-normalised embeddings, on up to reportSamples rows of each set). ' +
        'Unitless. Lower is better: 0 when the set and the target come from the same distribution; because the estimator is unbiased it can be slightly negative when the two sets match.',
    ),
    frechet: metric(
      "Fréchet distance to the target (the FID formula ‖μx − μy‖² + tr Σx + tr Σy − 2 tr (Σx^½ Σy Σx^½)^½ between Gaussians fitted to both sets), in the target's 32 principal axes. " +
        'Unit: squared Euclidean distance between L2-normalised embeddings. Lower is better (0 = same mean and covariance).',
    ),
    precision: metric(
      "Improved precision (Kynkäänniemi et al. 2019, k = 5, cosine distance): share of this set's items inside the target's manifold (the union of balls reaching each target's 5th nearest target). " +
        'Fraction in [0, 1]; higher is better (the items look like targets).',
    ),
    recall: metric(
      "Improved recall (k = 5, cosine distance): share of targets inside this set's manifold. Fraction in [0, 1]; higher is better (the set covers the target's variety).",
    ),
    klReduction: metric(
      "DSIR's KL reduction (Xie et al. 2023) over the codebook's k-means cells (option codebook): KL(target ‖ pool) − KL(target ‖ this set), add-½ smoothing. " +
        'Nats. Higher is better: positive = closer to the target than the raw pool, and the whole pool scores 0. Null when the codebook is off (codebook 0).',
    ),
  })
  .describe('how close one set is to the target in feature space');

/** Class make-up of a selection against the target's, when both feature files carry labels. */
export const ClassMixSchema = z
  .strictObject({
    classes: z.array(z.number().int()).describe('class ids present in the target or the pool, ascending; the arrays below follow this order'),
    target: z.array(int).describe('targets per class (items)'),
    pool: z.array(int).describe('pool items per class'),
    selected: z.array(int).describe('items of this set per class'),
    selectedWeighted: z.array(z.number()).describe("sum of the items' weights per class (weights spread each covered target's unit of weight over its items)"),
    precision: metric("Share of this set's items whose class occurs in the target, in [0, 1]; higher is better (1 = no item of a class the target lacks)."),
    tv: metric("TV distance between this set's class shares and the target's: ½ Σ |p − q|, in [0, 1]; lower is better (0 = the target's class mix exactly)."),
    tvWeighted: metric('The same TV distance with each item counted by its weight, in [0, 1]; lower is better.'),
    maxMatchedSize: count("Largest DB this pool can give with exactly the target's class mix (items): min over the target's classes of pool items ÷ the class's target share."),
    yield: metric("This set's size ÷ maxMatchedSize: how much of the pool's class-matched capacity it uses (informative; above 1 the class mix cannot match exactly)."),
  })
  .describe('class histograms of a set against the target, and how far its class mix is from the target\'s');

const FieldMixSchema = z
  .strictObject({
    field: z.string().describe('annotation field (e.g. weather, time_zone)'),
    values: z.array(z.string()).describe('its values in code-point order, then "(none)" when some annotated image lacks the field'),
    counts: perSet(z.array(int), 'annotated images per value'),
    tv: tvToTarget('value shares'),
  })
  .describe('histograms of one scalar annotation field over the annotated images of each set');

const ObjectMixSchema = z
  .strictObject({
    classes: z.array(z.string()).describe('object class names, code-point order; the arrays below follow this order'),
    images: perSet(z.array(int), 'annotated images containing each class'),
    imageShare: perSet(z.array(maybeNumber), "annotated images containing each class ÷ the set's annotated images (a multi-label share: need not sum to 1)"),
    instances: perSet(z.array(int), 'object instances of each class'),
    instanceShare: perSet(z.array(maybeNumber), "instances of each class ÷ the set's object instances"),
    tv: z
      .strictObject({
        images: tvToTarget('class-presence counts (normalised to sum 1)'),
        instances: tvToTarget('instance shares'),
      })
      .describe('TV distances of the object-class make-up to the target\'s'),
  })
  .describe('object classes (VOC <object><name>) per set');

/** Annotated DBs (`voc:`): metadata fields and object classes of each set against the target's. */
export const AnnotationMatchSchema = z
  .strictObject({
    sets: perSet(
      z.strictObject({ size: count('rows'), annotated: count('rows with an annotation (the denominator of every share)'), instances: count('object instances') }).describe('sizes'),
      'rows, annotated rows and object instances',
    ),
    fields: z.array(FieldMixSchema).describe('one entry per scalar annotation field'),
    skippedFields: z
      .array(z.strictObject({ field: z.string().describe('annotation field'), distinct: count('its distinct values in target and pool') }))
      .describe('fields with too many distinct values for a histogram (ids, timestamps)'),
    objects: ObjectMixSchema.nullable().describe('null when no image of any set has an object'),
  })
  .describe('metadata and object-class make-up of each set against the target (annotated DBs, e.g. voc:)');

/** The evidence that the selection matches the target. */
export const MatchReportSchema = z
  .strictObject({
    selected: FeatureMatchSchema.describe('the selection (the new DB) against the target'),
    randomSample: FeatureMatchSchema.describe('a uniform random pool sample of the same size against the target: the baseline the selection must beat'),
    pool: FeatureMatchSchema.describe("the (sampled) whole pool against the target: where the pool starts"),
    bandwidth: z.number().describe('RBF kernel bandwidth of mmd2: the median squared Euclidean distance between target and pool samples (shared by the three sets so that their mmd2 compare)'),
    distances: z
      .strictObject({
        selectedToTarget: DistanceHistogramSchema.describe(`distance of each selected item to its closest target (${COSINE}); lower is better`),
        targetToTarget: DistanceHistogramSchema.describe(`distance of each target to its nearest other target (${COSINE}): the scale to read selectedToTarget against`),
      })
      .describe('distance histograms (20 bins on a shared scale)'),
    classes: z
      .strictObject({
        selected: ClassMixSchema.describe('the selection'),
        randomSample: ClassMixSchema.describe('a random pool sample of the same size (the baseline)'),
      })
      .nullable()
      .describe('class mix against the target; null unless both feature files carry labels (labels are never used to select)'),
    annotations: AnnotationMatchSchema.nullable().describe('null when the feature files carry no annotations'),
  })
  .describe('feature-space and class-mix evidence of match; each metric is given for the selection, a random sample of its size and the pool, because the baseline matters more than the absolute value');

const HnswShardSchema = z.strictObject({
  shard: count('shard number'),
  rows: count('pool rows in the shard'),
  buildSeconds: seconds('index build time'),
  searchSeconds: seconds('search time'),
  reused: z.boolean().describe('the index was read from a saved <pool>.hnsw file instead of built'),
});

export const SampleReportSchema = z
  .strictObject({
    version: z.literal(1).describe('format version of report.json'),
    mode: z.enum(['union', 'quota', 'match']).describe('selection mode (see `twindb sample --help`)'),
    options: z.record(z.string(), z.unknown()).describe('the options as used (SampleOptionsSchema keys, defaults applied), with in-memory feature sources replaced by their names'),
    sizes: z
      .strictObject({
        target: count('targets searched (after target de-duplication)'),
        pool: count('pool rows'),
        selected: count('items in the new DB'),
        searchDepth: count('neighbours searched per target'),
        k: count('neighbours asked per target (k)'),
      })
      .describe('sizes (rows / items)'),
    search: z
      .strictObject({
        index: z.enum(['exact', 'hnsw']).describe('the nearest-neighbour search that ran'),
        requested: z.enum(['auto', 'exact', 'hnsw']).describe('the index asked for (auto: the cost model chose)'),
        costModel: z
          .strictObject({
            choice: z.enum(['exact', 'hnsw']).describe('the cheaper by the model'),
            exactSeconds: seconds('predicted exact search time'),
            hnswSeconds: seconds('predicted HNSW build + search time'),
          })
          .describe("--index auto's cost model"),
        hnsw: z
          .union([z.array(HnswShardSchema), z.strictObject({ savedNeighbors: z.string().describe('the .npy file the neighbours came from (--nn_npy)') })])
          .nullable()
          .describe('per HNSW shard: rows and times; the saved-neighbours file with --nn_npy; null for an exact search'),
        recall: z
          .strictObject({
            targets: count('targets checked against an exact search (--check-recall)'),
            k: count('neighbours compared per target'),
            recall: metric("Share of the exact top-k neighbours HNSW found, in [0, 1]; higher is better (1 = HNSW lost nothing)."),
          })
          .nullable()
          .describe('HNSW recall check; null unless --check-recall with HNSW'),
      })
      .describe('how the neighbours were searched'),
    coverage: z
      .strictObject({
        covered: count('targets served by at least one selected item within the threshold'),
        uncovered: count('targets with none (listed in uncovered-targets.csv)'),
        fraction: metric('covered ÷ targets, in [0, 1]; higher is better (1 = every target has a look-alike in the new DB).'),
        threshold: metric(`the distance threshold (maxDistance; ${COSINE}).`),
      })
      .describe('how many targets the new DB serves'),
    shortfall: z
      .strictObject({
        targetsShort: count('targets that got fewer items than asked (too few pool neighbours within reach); lower is better'),
        total: count('items missing over all targets; lower is better'),
      })
      .describe('items asked for but not found'),
    weights: z.strictObject({ sum: z.number().describe('sum of the item weights (= covered targets: each covered target spreads one unit over its items)') }).describe('item weights'),
    dedup: z
      .strictObject({
        distance: z.number().describe(`--dedup: items closer than this to a kept item are dropped (${COSINE})`),
        dropped: count('items dropped'),
        kept: count('items kept'),
      })
      .nullable()
      .describe('near-duplicate removal in the selection; null when off'),
    targetDedup: z
      .strictObject({
        rule: z.enum(['greedy', 'fork']).describe('greedy against every kept target, or the fork\'s index-shifted rule'),
        similarity: z.number().describe('cosine similarity at or above which a target counts as a duplicate'),
        targets: count('targets before de-duplication'),
        removed: count('targets removed'),
        kept: count('targets kept'),
        file: z.string().describe('the file listing the removed targets, relative to the output folder'),
      })
      .nullable()
      .describe('near-duplicate targets removed before the search (removed-targets.csv); null when off'),
    nnMaker: z
      .strictObject({
        ks: z.array(int).describe('the K of each ImageSet (--nn_factor)'),
        imageSets: z
          .array(
            z.strictObject({
              k: count('K'),
              items: count('distinct pool items in the ImageSet'),
              imageSet: z.string().describe('ImageSets/scan_nn{K}.txt, relative to the output folder'),
              npy: z.string().describe('topk{K}_neighbors_val_from_train.npy, relative to the output folder'),
            }),
          )
          .describe('one ImageSet and one .npy per K'),
        missingAnnotations: count('listed images without Annotations/<name>.xml').nullable().describe('listed images without Annotations/<name>.xml; null without --near_db'),
        missingAnnotationsFile: z.string().optional().describe('the file naming every one of them, relative to the output folder'),
      })
      .optional()
      .describe("the seed's outputs (nn_maker.py); absent off the seed path"),
    montage: z
      .strictObject({
        folder: z.string().describe('folder of the strips, relative to the output folder'),
        files: z.array(z.string()).describe('strip files, relative to the output folder, in kept-target order'),
        k: count('neighbours per strip (the target comes first)'),
        missingImages: count('cells left grey because their image was not found or could not be read; lower is better'),
      })
      .optional()
      .describe("--montage N: the fork's neighbour strips; absent when off"),
    guard: z
      .strictObject({
        minCoverage: z.number().describe('--min-coverage: the covered share required (fraction)'),
        passed: z.boolean().describe('coverage.fraction reached it (else the command exits 4 after writing its outputs)'),
      })
      .describe('the coverage guard'),
    selection: z
      .record(z.string(), z.unknown())
      .describe(
        'details of the selection rule, by mode — union: k, maxDistance, weighting; quota: k, radiusFactor, medianRadius (cosine distance), maxDistance, coverageItems; ' +
          'match: k, radiusFactor, regions, perTargetShare (items), budget, regionShortfall (items), maxDistance, coverageItems; with --dedup also dedup {distance, dropped, kept}',
      ),
    match: MatchReportSchema.nullable().describe('evidence of match; null when fewer than 2 items were selected'),
    warnings: z.array(z.string()).describe('every warning of the run'),
    seconds: seconds('wall time of the run up to the report'),
    materialized: z
      .strictObject({
        how: z.enum(['copy', 'link']).describe('--materialize'),
        written: count('image files written into images/'),
        skipped: count('selected items without a file path (not materialised)'),
      })
      .optional()
      .describe('--materialize copy|link; absent when off'),
  })
  .describe('report.json of twindb sample: what was selected, how well it covers and matches the target, and how');

export type SampleReport = z.output<typeof SampleReportSchema>;
export type MatchReport = z.output<typeof MatchReportSchema>;
export type FeatureMatch = z.output<typeof FeatureMatchSchema>;
export type ClassMix = z.output<typeof ClassMixSchema>;
export type DistanceHistogram = z.output<typeof DistanceHistogramSchema>;
export type AnnotationMatch = z.output<typeof AnnotationMatchSchema>;
export type FieldMix = z.output<typeof FieldMixSchema>;
export type ObjectMix = z.output<typeof ObjectMixSchema>;
export type TvToTarget = z.output<typeof TvToTargetSchema>;

/** The JSON Schema of report.json (draft 2020-12), as shipped in `report.schema.json`. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SampleReportSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'twindb sample report.json',
  };
}

/** report.schema.json's text: {@link reportJsonSchema}, two-space indented, with a final newline. */
export function reportJsonSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
