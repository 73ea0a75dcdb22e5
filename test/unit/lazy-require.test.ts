import { describe, expect, it } from 'vitest';
import { lazyRequirePg } from '../../src/lazy-require.ts';

describe('lazyRequirePg', () => {
  it('loads pg once and puts the global Response back as it was', () => {
    const before = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    const load = lazyRequirePg<{ Pool: unknown }>();
    const pg = load();
    expect(typeof pg.Pool).toBe('function');
    expect(load()).toBe(pg);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'Response')).toEqual(before);
    expect(typeof Response).toBe('function');
  });
});
