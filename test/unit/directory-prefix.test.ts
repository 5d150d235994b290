import { caseSpellings, successorOf } from '../../src/persistence/user/user.repository';

/** The index ranges behind the people directory's case-insensitive prefix search. */
describe('directory prefix ranges', () => {
  it('spells the leading characters in every case; characters without case count once', () => {
    expect(caseSpellings('ab')).toEqual(['AB', 'Ab', 'aB', 'ab']);
    expect(caseSpellings('a1@')).toEqual(['A1@', 'a1@']);
    expect(caseSpellings('')).toEqual(['']);
    expect(caseSpellings('ßé')).toEqual(['ßÉ', 'ßé']); // 'ß' upper-cases to two letters: not a spelling of one
  });

  it('bounds every string that starts with the prefix, and nothing past them', () => {
    const upper = successorOf('ali')!;
    expect(upper).toBe('alj');
    for (const inside of ['ali', 'alice', 'ali\uffff', 'ali zed']) expect(inside >= 'ali' && inside < upper).toBe(true);
    for (const outside of ['alj', 'alh', 'am', 'Ali']) expect(outside >= 'ali' && outside < upper).toBe(false);
    // The highest code unit cannot be raised: the bound moves to the character before it.
    expect(successorOf('a\uffff')).toBe('b');
    expect(successorOf('\uffff\uffff')).toBeNull();
  });
});
