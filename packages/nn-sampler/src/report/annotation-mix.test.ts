import { describe, expect, it } from 'vitest';
import { AnnotationTally, annotationMatch, NO_VALUE, rowAnnotation, tv, type RowAnnotation } from './annotation-mix.js';

// Four annotated images and one without an annotation (N).
const A: RowAnnotation = { objects: ['car', 'car', 'person'], meta: { weather: 'rain', road: 'city', frame: 'f1' } };
const B: RowAnnotation = { objects: ['car'], meta: { weather: 'clear', road: 'city', frame: 'f2' } };
const C: RowAnnotation = { objects: [], meta: { weather: 'rain', frame: 'f3' } }; // no road, no object
const D: RowAnnotation = { objects: ['bus'], meta: { weather: 'clear', road: 'highway', frame: 'f4' } };
const N = null;

const match = () =>
  annotationMatch(
    AnnotationTally.of([A, B, C, N]), // target
    AnnotationTally.of([B, D, D, N]), // selected
    AnnotationTally.of([C, C]), // random sample
    AnnotationTally.of([A, B, C, D, N, N]), // pool
    3,
  );

describe('annotationMatch (hand-computed reference)', () => {
  it('counts rows, annotated rows and object instances per set', () => {
    expect(match().sets).toEqual({
      target: { size: 4, annotated: 3, instances: 4 },
      selected: { size: 4, annotated: 3, instances: 3 },
      randomSample: { size: 2, annotated: 2, instances: 0 },
      pool: { size: 6, annotated: 4, instances: 5 },
    });
  });

  it('histograms each metadata field over annotated images, with a (none) bucket, and its TV to the target', () => {
    const m = match();
    expect(m.fields.map((f) => f.field)).toEqual(['road', 'weather']);
    const [road, weather] = m.fields;
    expect(road.values).toEqual(['city', 'highway', NO_VALUE]);
    expect(road.counts).toEqual({ target: [2, 0, 1], selected: [1, 2, 0], randomSample: [0, 0, 2], pool: [2, 1, 1] });
    // target (2/3, 0, 1/3); selected (1/3, 2/3, 0): ½(1/3 + 2/3 + 1/3) = 2/3; random (0, 0, 1): ½(2/3 + 0 + 2/3) = 2/3;
    // pool (1/2, 1/4, 1/4): ½(1/6 + 1/4 + 1/12) = 1/4
    expect(road.tv.selected).toBeCloseTo(2 / 3, 6);
    expect(road.tv.randomSample).toBeCloseTo(2 / 3, 6);
    expect(road.tv.pool).toBeCloseTo(1 / 4, 6);
    // every annotated image has a weather: no (none) bucket
    expect(weather.values).toEqual(['clear', 'rain']);
    expect(weather.counts).toEqual({ target: [1, 2], selected: [3, 0], randomSample: [0, 2], pool: [2, 2] });
    // target (1/3, 2/3): selected (1, 0) → 2/3; random (0, 1) → 1/3; pool (1/2, 1/2) → 1/6
    expect(weather.tv.selected).toBeCloseTo(2 / 3, 6);
    expect(weather.tv.randomSample).toBeCloseTo(1 / 3, 6);
    expect(weather.tv.pool).toBeCloseTo(1 / 6, 6);
    // 4 distinct frame values > maxValues 3: no histogram
    expect(m.skippedFields).toEqual([{ field: 'frame', distinct: 4 }]);
  });

  it('gives per class the share of images containing it and of object instances, each with TV', () => {
    const o = match().objects!;
    expect(o.classes).toEqual(['bus', 'car', 'person']);
    expect(o.images).toEqual({ target: [0, 2, 1], selected: [2, 1, 0], randomSample: [0, 0, 0], pool: [1, 2, 1] });
    expect(o.imageShare.target).toEqual([0, 0.666667, 0.333333]);
    expect(o.imageShare.selected).toEqual([0.666667, 0.333333, 0]);
    expect(o.imageShare.randomSample).toEqual([0, 0, 0]);
    expect(o.imageShare.pool).toEqual([0.25, 0.5, 0.25]);
    expect(o.instances).toEqual({ target: [0, 3, 1], selected: [2, 1, 0], randomSample: [0, 0, 0], pool: [1, 3, 1] });
    expect(o.instanceShare.target).toEqual([0, 0.75, 0.25]);
    expect(o.instanceShare.pool).toEqual([0.2, 0.6, 0.2]);
    expect(o.instanceShare.randomSample.every(Number.isNaN)).toBe(true);
    // presence normalised: target (0, 2/3, 1/3); selected (2/3, 1/3, 0) → ½(2/3 + 1/3 + 1/3) = 2/3; pool (1/4, 1/2, 1/4) → 1/4
    expect(o.tv.images.selected).toBeCloseTo(2 / 3, 6);
    expect(o.tv.images.pool).toBeCloseTo(1 / 4, 6);
    expect(o.tv.images.randomSample).toBeNaN(); // no object in the random sample
    // instances: target (0, .75, .25); selected (2/3, 1/3, 0) → ½(2/3 + 5/12 + 1/4) = 2/3; pool (.2, .6, .2) → ½(.2 + .15 + .05) = .2
    expect(o.tv.instances.selected).toBeCloseTo(2 / 3, 6);
    expect(o.tv.instances.pool).toBeCloseTo(0.2, 6);
  });

  it('no objects anywhere: no object section; identical sets: TV 0', () => {
    const t = AnnotationTally.of([C, C]);
    const m = annotationMatch(t, t, t, t);
    expect(m.objects).toBeNull();
    expect(m.fields.map((f) => [f.field, f.tv])).toEqual([
      ['frame', { selected: 0, randomSample: 0, pool: 0 }],
      ['weather', { selected: 0, randomSample: 0, pool: 0 }],
    ]);
  });

  it('tv and rowAnnotation edge cases', () => {
    expect(tv([1, 0], [0, 1])).toBe(1);
    expect(tv([0, 0], [0, 1])).toBeNaN();
    expect(rowAnnotation(null, undefined)).toBeNull();
    expect(rowAnnotation([], null)).toEqual({ objects: [], meta: null });
  });
});
