import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
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
    const first = new ConvPlanFile(file, { machine: 'machine A' });
    expect(first.size).toBe(0);
    expect(first.record('forward:1,2', 'im2col')).toBe('im2col');
    const again = new ConvPlanFile(file, { machine: 'machine A' });
    expect(again.get('forward:1,2')).toBe('im2col');
    expect(again.size).toBe(1);
    // another machine times its own
    expect(new ConvPlanFile(file, { machine: 'machine B' }).get('forward:1,2')).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, machines: { 'machine A': { 'forward:1,2': 'im2col' } } });
    // no temp file left next to it
    expect(readdirSync(path.dirname(file))).toEqual(['plan.json']);
  });

  it('keeps the first decision written for a layer: a second process that timed it differently adopts it', () => {
    const file = path.join(tmp(), 'plan.json');
    const a = new ConvPlanFile(file, { machine: 'm' });
    const b = new ConvPlanFile(file, { machine: 'm' });
    a.record('filter-grad:9', 'tap-views');
    expect(b.record('filter-grad:9', 'direct')).toBe('tap-views');
    expect(b.get('filter-grad:9')).toBe('tap-views');
    // and b's other decisions merge with a's
    b.record('input-grad:9', 'nchwc');
    expect(new ConvPlanFile(file, { machine: 'm' }).get('input-grad:9')).toBe('nchwc');
    expect(new ConvPlanFile(file, { machine: 'm' }).get('filter-grad:9')).toBe('tap-views');
  });

  it('refuses a file that is not a plan, naming it, and leaves it as it was', () => {
    const dir = tmp();
    const notJson = path.join(dir, 'notes.txt');
    writeFileSync(notJson, 'my notes');
    expect(() => new ConvPlanFile(notJson, { machine: 'm' })).toThrow(InputDataError);
    expect(() => new ConvPlanFile(notJson, { machine: 'm' })).toThrow(`conv plan ${notJson}: not JSON`);
    const badRunner = path.join(dir, 'plan.json');
    writeFileSync(badRunner, JSON.stringify({ version: 1, machines: { m: { 'forward:1': 'fast' } } }));
    expect(() => new ConvPlanFile(badRunner, { machine: 'm' })).toThrow(/conv plan .*plan\.json: machines\.m\.forward:1: .*"xnnpack"\|"direct"\|"im2col"\|"nchwc"\|"tap-views"; a plan is/);
    expect(readFileSync(notJson, 'utf8')).toBe('my notes');
  });

  it('writes through a symlink to its target, keeping the link', () => {
    const dir = tmp();
    const target = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    writeFileSync(target, JSON.stringify({ version: 1, machines: {} }));
    symlinkSync(target, link);
    new ConvPlanFile(link, { machine: 'm' }).record('forward:3', 'direct');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).machines.m).toEqual({ 'forward:3': 'direct' });
  });

  it('keeps going when the plan cannot be written, saying so once', () => {
    const dir = tmp();
    // a folder that cannot exist (a file is in its place), so the write fails even for root
    writeFileSync(path.join(dir, 'blocker'), 'a file');
    const file = path.join(dir, 'blocker', 'plan.json');
    const logs: string[] = [];
    const plan = new ConvPlanFile(file, { machine: 'm', log: (m) => logs.push(m) });
    expect(plan.record('forward:1', 'im2col')).toBe('im2col');
    expect(plan.record('forward:2', 'direct')).toBe('direct');
    expect(plan.get('forward:2')).toBe('direct');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(new RegExp(`^conv plan ${file}: cannot write it \\(.*\\); this process keeps its timed conv forms to itself`));
    expect(readFileSync(path.join(dir, 'blocker'), 'utf8')).toBe('a file');
  });

  it('writes under a lock: waits for a live holder (then gives up on writing, once logged), takes over a dead one\'s', () => {
    const dir = tmp();
    const file = path.join(dir, 'plan.json');
    const lock = `${file}.twindb-lock`;
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lock, String(dead));
    const plan = new ConvPlanFile(file, { machine: 'm', lockWaitMs: 50 });
    expect(plan.record('forward:1', 'im2col')).toBe('im2col');
    expect(JSON.parse(readFileSync(file, 'utf8')).machines.m).toEqual({ 'forward:1': 'im2col' });
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, String(process.pid)); // a live process holds it
    const logs: string[] = [];
    const blocked = new ConvPlanFile(file, { machine: 'm', lockWaitMs: 50, log: (m) => logs.push(m) });
    expect(blocked.record('forward:2', 'direct')).toBe('direct');
    expect(blocked.get('forward:2')).toBe('direct');
    expect(logs).toEqual([expect.stringMatching(/cannot write it \(.*twindb-lock held by process \d+ for 50 ms\)/)]);
    expect(JSON.parse(readFileSync(file, 'utf8')).machines.m).toEqual({ 'forward:1': 'im2col' });
  });

  it('loses no decision when four processes record at once', async () => {
    const file = path.join(tmp(), 'plan.json');
    const module = fileURLToPath(new URL('./conv-plan.ts', import.meta.url));
    const writer = (id: number) =>
      new Promise<number | null>((resolve) => {
        const code = `const { ConvPlanFile } = await import(${JSON.stringify(module)}); for (let i = 0; i < 50; i++) new ConvPlanFile(${JSON.stringify(file)}, { machine: 'm' }).record('w${id}-' + i, 'direct');`;
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: 'inherit' });
        p.on('exit', resolve);
      });
    expect(await Promise.all([0, 1, 2, 3].map(writer))).toEqual([0, 0, 0, 0]);
    const recorded = Object.keys(JSON.parse(readFileSync(file, 'utf8')).machines.m);
    expect(recorded).toHaveLength(200);
    expect(readdirSync(path.dirname(file))).toEqual(['plan.json']);
  }, 60_000);

  it('removes the temp file a killed writer left, not a live one\'s', () => {
    const dir = tmp();
    const file = path.join(dir, 'plan.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(path.join(dir, `.plan.json.twindb-${dead}-0a1b2c3d.tmp`), '{"half":');
    writeFileSync(path.join(dir, `.plan.json.twindb-${process.pid}-0a1b2c3d.tmp`), '{"mine":');
    new ConvPlanFile(file, { machine: 'm' });
    expect(readdirSync(dir)).toEqual([`.plan.json.twindb-${process.pid}-0a1b2c3d.tmp`]);
  });

  it('defaults to the XDG cache folder, else ~/.cache', () => {
    expect(defaultConvPlanPath({ XDG_CACHE_HOME: '/c' })).toBe('/c/twindb/conv-plan.json');
    expect(defaultConvPlanPath({})).toBe(path.join(os.homedir(), '.cache', 'twindb', 'conv-plan.json'));
  });
});
