import { describe, expect, it } from 'vitest';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { COLUMN_NAMES } from '../../src/record/columns.js';

describe('segment columns', () => {
  it('lists exactly the columns of formats/segment-schema.json, in order', () => {
    expect([...COLUMN_NAMES]).toEqual(loadSegmentSchema().columns.map((c) => c.name));
  });
});
