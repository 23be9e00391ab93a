import { describe, expect, it } from 'vitest';
import { isWarning, Terminal, type Verbosity } from './terminal.js';

/** A fake stream that records what was written; `now` is a clock the test moves. */
function setup(verbosity: Verbosity, tty: boolean) {
  let out = '';
  let t = 0;
  const terminal = new Terminal({ stream: { write: (s: string) => (out += s), isTTY: tty, columns: 200 }, verbosity, now: () => t });
  return {
    terminal,
    advance: (ms: number) => (t += ms),
    text: () => out,
    take: () => {
      const s = out;
      out = '';
      return s;
    },
  };
}

const CLEAR = '\r\x1b[2K';
/** The terminal codes made visible, for matching: carriage return + clear line → `<CLR>`. */
const visible = (s: string) => s.replaceAll(CLEAR, '<CLR>');

describe('Terminal', () => {
  it('on a TTY redraws one bar in place with rate and ETA, prints log lines above it, and ends the line when done', () => {
    const s = setup('normal', true);
    const p = s.terminal.progress('extract', 100, 'img');
    s.advance(1000);
    p.tick(25);
    const first = s.take();
    expect(first.startsWith(CLEAR)).toBe(true);
    expect(first).not.toContain('\n');
    expect(first).toContain('[██████░░░░░░░░░░░░░░░░░░]');
    expect(first).toMatch(/extract 25\/100 \(25\.0%\) · 25\.00 img\/s · elapsed 0:01 · ETA 0:03/);
    // a redraw within 100 ms is skipped; after it, drawn again in place
    s.advance(50);
    p.tick(5);
    expect(s.take()).toBe('');
    s.advance(100);
    p.tick(10);
    expect(visible(s.take())).toMatch(/^<CLR>\[.*extract 40\/100/);
    // a log line goes above the bar, which is drawn again below it
    s.terminal.log('warning: skipped unreadable image a.png');
    const logged = s.take();
    expect(visible(logged)).toMatch(/^<CLR>warning: skipped unreadable image a\.png\n\[.*extract 40\/100/);
    s.advance(1000);
    p.tick(60);
    expect(visible(s.take())).toMatch(/^<CLR>\[█{24}\] extract 100\/100 \(100\.0%\).* done\n$/);
    // nothing is being redrawn any more: a plain line
    s.terminal.log('next');
    expect(s.take()).toBe('next\n');
  });

  it('off a TTY prints plain lines, one per 10 s (1 s when verbose), plus the last', () => {
    for (const [verbosity, interval] of [
      ['normal', 10_000],
      ['verbose', 1000],
    ] as const) {
      const s = setup(verbosity, false);
      const p = s.terminal.progress('search', 10, 'rows');
      s.advance(interval - 1);
      p.tick();
      s.advance(interval - 1);
      p.tick();
      p.tick(7);
      s.advance(1);
      p.tick();
      const lines = s.text().trim().split('\n');
      expect(lines, verbosity).toHaveLength(2);
      expect(lines[0]).toMatch(/^search 1\/10 \(10\.0%\) · .* rows\/s · .* · ETA /);
      expect(lines[1]).toMatch(/^search 10\/10 .* done$/);
      expect(s.text()).not.toContain('\r');
    }
  });

  it('quiet keeps warnings and errors only and draws no progress; verbose adds the debug lines', () => {
    const q = setup('quiet', true);
    q.terminal.log('searching 100 pool rows');
    q.terminal.debug('detail');
    const p = q.terminal.progress('epoch 1/2', 10);
    p.tick(10);
    q.terminal.log('warning: epoch 1: one cluster holds 95 % of the DB');
    q.terminal.error('twindb: no such file');
    expect(q.text()).toBe('warning: epoch 1: one cluster holds 95 % of the DB\ntwindb: no such file\n');

    const n = setup('normal', false);
    n.terminal.debug('detail');
    n.terminal.log('info');
    expect(n.text()).toBe('info\n');
    const v = setup('verbose', false);
    v.terminal.debug('detail');
    expect(v.text()).toBe('detail\n');
  });

  it('an error while a bar is drawn leaves the bar and prints below it', () => {
    const s = setup('normal', true);
    s.terminal.progress('scan epoch 1/4', 100).tick(10);
    s.take();
    s.terminal.error('twindb: stopped');
    expect(s.take()).toBe('\ntwindb: stopped\n');
  });

  it('a step context routes log, debug and progress through the terminal', () => {
    const s = setup('verbose', false);
    const ctx = s.terminal.context();
    ctx.log('a');
    ctx.debug?.('b');
    ctx.progress('x', 1).tick();
    expect(s.text()).toMatch(/^a\nb\nx 1\/1 .* done\n$/);
  });

  it('isWarning recognises the steps\' warnings and errors', () => {
    expect(isWarning('warning: x')).toBe(true);
    expect(isWarning('Warning: x')).toBe(true);
    expect(isWarning('[twindb] warning: x')).toBe(true);
    expect(isWarning('error: x')).toBe(true);
    expect(isWarning('searching … (no warnings)')).toBe(false);
  });
});
