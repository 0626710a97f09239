import { describe, expect, it } from 'vitest';
import { resumePlan } from '../../src/domain/resume-plan.js';

describe('resumePlan', () => {
  it('plans resumes at the edges', () => {
    const rec = (offset: number) => ({
      room: 'r',
      epoch: 'e',
      offset,
      user: 'u',
      text: 't',
      sentAtMs: 0,
      senderRequestId: '',
    });
    expect(resumePlan(undefined, { epoch: 'e', headOffset: 7, messages: [] })).toEqual({
      outcome: 'none',
      firstOffset: 8,
    });
    expect(resumePlan({ epoch: 'e', afterOffset: 7 }, { epoch: 'e', headOffset: 7, messages: [rec(7)] })).toEqual({
      outcome: 'complete',
      firstOffset: 8,
    });
    expect(resumePlan({ epoch: '', afterOffset: 0 }, { epoch: 'e', headOffset: 0, messages: [] })).toEqual({
      outcome: 'complete',
      firstOffset: 1,
    });
    expect(resumePlan({ epoch: 'e', afterOffset: 99 }, { epoch: 'e', headOffset: 7, messages: [rec(7)] })).toEqual({
      outcome: 'gap',
      firstOffset: 8,
    });
  });
});
