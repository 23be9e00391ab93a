import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputDataError } from '../../../errors/twindb-error.js';
import { ConvPlanFile, defaultConvPlanPath } from './conv-plan.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'twindb-conv-plan-'));

describe('ConvPlanFile', () => {
  it('starts empty without a file, and a recorded decision is what the next reader sees', () => {
    const dir = tmp();
    const file = path.join(dir, 'sub', 'plan.json');
    const first = new ConvPlanFile(file, 'machine A');
    expect(first.size).toBe(0);
    expect(first.record('forward:1,2', 'im2col')).toBe('im2col');
    const again = new ConvPlanFile(file, 'machine A');
    expect(again.get('forward:1,2')).toBe('im2col');
    expect(again.size).toBe(1);
    // another machine times its own
    expect(new ConvPlanFile(file, 'machine B').get('forward:1,2')).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, machines: { 'machine A': { 'forward:1,2': 'im2col' } } });
    // no temp file left next to it
    expect(readdirSync(path.dirname(file))).toEqual(['plan.json']);
  });

  it('keeps the first decision written for a layer: a second process that timed it differently adopts it', () => {
    const file = path.join(tmp(), 'plan.json');
    const a = new ConvPlanFile(file, 'm');
    const b = new ConvPlanFile(file, 'm');
    a.record('filter-grad:9', 'tap-views');
    expect(b.record('filter-grad:9', 'direct')).toBe('tap-views');
    expect(b.get('filter-grad:9')).toBe('tap-views');
    // and b's other decisions merge with a's
    b.record('input-grad:9', 'nchwc');
    expect(new ConvPlanFile(file, 'm').get('input-grad:9')).toBe('nchwc');
    expect(new ConvPlanFile(file, 'm').get('filter-grad:9')).toBe('tap-views');
  });

  it('refuses a file that is not a plan, naming it, and leaves it as it was', () => {
    const dir = tmp();
    const notJson = path.join(dir, 'notes.txt');
    writeFileSync(notJson, 'my notes');
    expect(() => new ConvPlanFile(notJson, 'm')).toThrow(InputDataError);
    expect(() => new ConvPlanFile(notJson, 'm')).toThrow(`conv plan ${notJson}: not JSON`);
    const badRunner = path.join(dir, 'plan.json');
    writeFileSync(badRunner, JSON.stringify({ version: 1, machines: { m: { 'forward:1': 'fast' } } }));
    expect(() => new ConvPlanFile(badRunner, 'm')).toThrow(/conv plan .*plan\.json: machines\.m\.forward:1: .*runners xnnpack, direct, im2col, nchwc, tap-views/);
    expect(readFileSync(notJson, 'utf8')).toBe('my notes');
  });

  it('writes through a symlink to its target, keeping the link', () => {
    const dir = tmp();
    const target = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    writeFileSync(target, JSON.stringify({ version: 1, machines: {} }));
    symlinkSync(target, link);
    new ConvPlanFile(link, 'm').record('forward:3', 'direct');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).machines.m).toEqual({ 'forward:3': 'direct' });
  });

  it('defaults to the XDG cache folder, else ~/.cache', () => {
    expect(defaultConvPlanPath({ XDG_CACHE_HOME: '/c' })).toBe('/c/twindb/conv-plan.json');
    expect(defaultConvPlanPath({})).toBe(path.join(os.homedir(), '.cache', 'twindb', 'conv-plan.json'));
  });
});
