/**
 * What the target's images are annotated with (VOC: object classes and scalar fields such as
 * `weather`, `time_zone`, `road`), next to the selection's, a random pool sample's and the pool's.
 * Only annotated images count: an image without an annotation is unknown, not "no car".
 */
import type { AnnotationMatch, FieldMix, ObjectMix, TvToTarget } from './report-schema.js';

/** An image's annotation as the feature file carries it (columns `labels` and `meta`). */
export interface RowAnnotation {
  /** Object class names, one per instance. */
  readonly objects: readonly string[] | null;
  readonly meta: Readonly<Record<string, string>> | null;
}

/** The annotation of a row, or null when it has neither objects nor metadata. */
export function rowAnnotation(objects: readonly string[] | null | undefined, meta: Readonly<Record<string, string>> | null | undefined): RowAnnotation | null {
  return (objects ?? null) === null && (meta ?? null) === null ? null : { objects: objects ?? null, meta: meta ?? null };
}

/** Counts over one set of images, built row by row (a pool is streamed through it). */
export class AnnotationTally {
  /** Rows seen, annotated or not. */
  size = 0;
  /** Rows with an annotation: the denominator of every share. */
  annotated = 0;
  /** Object instances over all annotated rows. */
  instances = 0;
  /** Per class: images containing it at least once. */
  readonly classImages = new Map<string, number>();
  /** Per class: object instances. */
  readonly classInstances = new Map<string, number>();
  /** Per field: images per value (images without the field are `annotated` minus their sum). */
  readonly fieldValues = new Map<string, Map<string, number>>();

  add(a: RowAnnotation | null): void {
    this.size++;
    if (a === null) return;
    this.annotated++;
    if (a.objects) {
      this.instances += a.objects.length;
      for (const c of a.objects) bump(this.classInstances, c);
      for (const c of new Set(a.objects)) bump(this.classImages, c);
    }
    if (a.meta) {
      for (const [field, value] of Object.entries(a.meta)) {
        let m = this.fieldValues.get(field);
        if (!m) this.fieldValues.set(field, (m = new Map()));
        bump(m, value);
      }
    }
  }

  static of(rows: Iterable<RowAnnotation | null>): AnnotationTally {
    const t = new AnnotationTally();
    for (const r of rows) t.add(r);
    return t;
  }
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** One value per compared set, in this order everywhere. */
export interface PerSet<T> {
  readonly target: T;
  readonly selected: T;
  readonly randomSample: T;
  readonly pool: T;
}

/** TV distances, field and object-class histograms and their whole (types from report-schema.ts; NaN where a side has no mass). */
export type { AnnotationMatch, FieldMix, ObjectMix, TvToTarget };

/** The bucket of annotated images that lack a field. */
export const NO_VALUE = '(none)';

/**
 * The metadata and object-class make-up of the selected, random and pool sets against the
 * target's, each as histograms plus the TV distance to the target.
 */
export function annotationMatch(target: AnnotationTally, selected: AnnotationTally, randomSample: AnnotationTally, pool: AnnotationTally, maxValues = 100): AnnotationMatch {
  const sets = { target, selected, randomSample, pool };
  const each = <T>(f: (t: AnnotationTally) => T): PerSet<T> => ({ target: f(target), selected: f(selected), randomSample: f(randomSample), pool: f(pool) });
  const tvs = (h: PerSet<number[]>): TvToTarget => ({ selected: tv(h.selected, h.target), randomSample: tv(h.randomSample, h.target), pool: tv(h.pool, h.target) });

  const fieldNames = sortedUnion(Object.values(sets).map((t) => t.fieldValues.keys()));
  const fields: FieldMix[] = [];
  const skippedFields: { field: string; distinct: number }[] = [];
  for (const field of fieldNames) {
    const values = sortedUnion([target, pool, selected, randomSample].map((t) => t.fieldValues.get(field)?.keys() ?? []));
    if (values.length > maxValues) {
      skippedFields.push({ field, distinct: values.length });
      continue;
    }
    const counts = each((t) => {
      const m = t.fieldValues.get(field);
      const h = values.map((v) => m?.get(v) ?? 0);
      h.push(t.annotated - h.reduce((a, b) => a + b, 0));
      return h;
    });
    const withNone = Object.values(counts).some((h: number[]) => h[h.length - 1] > 0);
    if (!withNone) for (const h of Object.values(counts) as number[][]) h.pop();
    fields.push({ field, values: withNone ? [...values, NO_VALUE] : values, counts, tv: tvs(counts) });
  }

  const classes = sortedUnion(Object.values(sets).map((t) => t.classImages.keys()));
  let objects: ObjectMix | null = null;
  if (classes.length > 0) {
    const images = each((t) => classes.map((c) => t.classImages.get(c) ?? 0));
    const instances = each((t) => classes.map((c) => t.classInstances.get(c) ?? 0));
    const share = (h: PerSet<number[]>, denom: (t: AnnotationTally) => number): PerSet<number[]> => {
      const out = {} as Record<keyof PerSet<number[]>, number[]>;
      for (const k of Object.keys(sets) as (keyof PerSet<number[]>)[]) {
        const d = denom(sets[k]);
        out[k] = h[k].map((v) => (d > 0 ? round(v / d) : NaN));
      }
      return out;
    };
    objects = {
      classes,
      images,
      imageShare: share(images, (t) => t.annotated),
      instances,
      instanceShare: share(instances, (t) => t.instances),
      tv: { images: tvs(images), instances: tvs(instances) },
    };
  }
  return {
    sets: each((t) => ({ size: t.size, annotated: t.annotated, instances: t.instances })),
    fields,
    skippedFields,
    objects,
  };
}

/** ½ Σ |a/Σa − b/Σb|, rounded to 1e-6; NaN when either side is all zero. */
export function tv(a: readonly number[], b: readonly number[]): number {
  const sa = a.reduce((x, y) => x + y, 0);
  const sb = b.reduce((x, y) => x + y, 0);
  if (!(sa > 0 && sb > 0)) return NaN;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] / sa - b[i] / sb);
  return round(d / 2);
}

function sortedUnion(keys: Iterable<Iterable<string>>): string[] {
  const s = new Set<string>();
  for (const ks of keys) for (const k of ks) s.add(k);
  return [...s].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
