/**
 * Passwords must never reach a message or log, whatever shape the URL a user typed has; and a
 * lost connection must be told apart from a query error, since only the first is retried.
 */
import { describe, expect, it } from 'vitest';
import { isConnectionLost, ReckonError, redactUrl, scrubSecrets } from '../../src/errors.ts';

describe('redactUrl', () => {
  it.each([
    ['postgres://alice:s3cret@db.example:5432/app', 's3cret'],
    ['mysql://root:s3cret@127.0.0.1/test', 's3cret'],
    // URL-encoded specials: neither the encoded nor the decoded form may survive.
    ['postgres://alice:p%40ss%2Fw0rd@db/app', 'p%40ss'],
    ['postgres://alice:p%40ss%2Fw0rd@db/app', 'p@ss/w0rd'],
    // An unencoded @ in the password: the last @ ends the user info.
    ['postgres://alice:p@ss@db/app', 'ss@db'],
    // pg takes any query parameter as a connection setting, password included.
    ['postgres://alice@db/app?password=s3cret', 's3cret'],
    ['postgres://db/app?sslmode=require&password=s3cret', 's3cret'],
  ])('hides the password of %s', (url, secret) => {
    const out = redactUrl(url);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('keeps the rest of the URL, so the message still says which server', () => {
    expect(redactUrl('postgres://alice:s3cret@db.example:5432/app?sslmode=require')).toBe(
      'postgres://alice:***@db.example:5432/app?sslmode=require',
    );
    expect(redactUrl('postgres://alice@db/app?password=s3cret')).toBe('postgres://alice@db/app?password=***');
  });

  it('leaves a URL without a password unchanged', () => {
    expect(redactUrl('mysql://root@127.0.0.1:3306/test')).toBe('mysql://root@127.0.0.1:3306/test');
  });

  it.each([
    ['postgres://alice:s3cret@db:notaport/app', 's3cret'],
    // Unencoded '/', '?' or '#' in a password make the URL unparseable.
    ['mysql://root:pa/ss@host/db', 'pa/ss'],
    ['mysql://root:pa/ss@host/db', 'ss@'],
    ['postgres://alice:a?b@db/app', 'a?b'],
    ['postgres://alice:a#b@db/app', 'a#b'],
    ['postgres://alice:x/y@z@db/app', 'y@z'],
  ])('hides the password of the unparseable %s', (url, secret) => {
    expect(() => new URL(url)).toThrow(); // the case really exercises the fallback
    const out = redactUrl(url);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
    expect(out).toMatch(/^(postgres|mysql):\/\//);
  });
});

describe('scrubSecrets', () => {
  it('removes every occurrence of the password from a driver message', () => {
    const msg = 'password authentication failed for user "alice" (password s3cret); s3cret rejected';
    const out = scrubSecrets(msg, ['postgres://alice:s3cret@db/app']);
    expect(out).not.toContain('s3cret');
    expect(out).toContain('password authentication failed for user "alice"');
  });

  it('removes the decoded form of a URL-encoded password', () => {
    const out = scrubSecrets('bad password p@ss/w0rd', ['postgres://alice:p%40ss%2Fw0rd@db/app']);
    expect(out).toBe('bad password ***');
  });

  it('removes the passwords of both URLs', () => {
    const out = scrubSecrets('left one, right two', ['postgres://a:one@x/db', 'mysql://b:two@y/db']);
    expect(out).toBe('left ***, right ***');
  });

  it('removes a password given as a query parameter', () => {
    expect(scrubSecrets('auth failed: s3cret', ['postgres://alice@db/app?password=s3cret'])).toBe('auth failed: ***');
  });

  it('removes a password whose percent-escapes do not decode', () => {
    // WHATWG URL accepts "p%zz" as is; decodeURIComponent throws on it.
    expect(scrubSecrets('bad password p%zz', ['postgres://alice:p%zz@db/app'])).toBe('bad password ***');
  });

  it('leaves a message alone when the URLs carry no password', () => {
    expect(scrubSecrets('relation "t" does not exist', ['postgres://alice@db/app', 'not a url'])).toBe(
      'relation "t" does not exist',
    );
  });
});

describe('isConnectionLost', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', '57P01', '08006'])(
    'treats driver code %s as a lost connection',
    (code) => {
      expect(isConnectionLost(Object.assign(new Error('boom'), { code }))).toBe(true);
    },
  );

  it.each([
    ['42P01', 'relation "t" does not exist'],
    ['ER_PARSE_ERROR', 'You have an error in your SQL syntax'],
    ['28P01', 'password authentication failed'],
    ['23505', 'duplicate key value violates unique constraint'],
  ])('treats driver code %s as a query error, not worth a retry', (code, message) => {
    expect(isConnectionLost(Object.assign(new Error(message), { code }))).toBe(false);
  });

  it('recognises lost connections that carry only a message', () => {
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(new Error("Can't add new command when connection is in closed state"))).toBe(true);
    expect(isConnectionLost(new Error('server closed the connection unexpectedly'))).toBe(true);
  });

  it('classifies ReckonErrors by their code', () => {
    expect(isConnectionLost(new ReckonError('CONNECTION', 'gone'))).toBe(true);
    expect(isConnectionLost(new ReckonError('QUERY', 'Connection terminated'))).toBe(false);
  });

  it('is false for things that are not errors', () => {
    for (const v of [null, undefined, 'ECONNRESET', 42, {}, { code: 57 }]) expect(isConnectionLost(v)).toBe(false);
  });
});

describe('ReckonError', () => {
  it('carries its code, the cause and exit code 2', () => {
    const cause = new Error('driver');
    const e = new ReckonError('SCHEMA', 'no table t', { cause });
    expect([e.code, e.cause, e.exitCode, e.name, e.message]).toEqual(['SCHEMA', cause, 2, 'ReckonError', 'no table t']);
    expect(e).toBeInstanceOf(Error);
  });
});
