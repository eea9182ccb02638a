import { FolderStarts } from '../shared/adapters/folder-starts';

describe('FolderStarts', () => {
  it('starts a folder at the first key the last scan found, until a write below it', () => {
    const starts = new FolderStarts();
    expect(starts.lowerBound('due/')).toBe('due/');
    starts.begin('due/', []).found('due/0005');
    expect(starts.begin('due/', []).from).toBe('due/0005');
    starts.writing('due/0003');
    expect(starts.lowerBound('due/')).toBe('due/0003');
    starts.writing('other/0001');
    starts.writing('due/0009');
    expect(starts.lowerBound('due/')).toBe('due/0003');
  });

  it('never raises the start past a key written while the scan ran, or being written when it began', () => {
    const starts = new FolderStarts();
    const scan = starts.begin('due/', ['due/0002', 'elsewhere/0001']);
    starts.writing('due/0004');
    scan.found('due/0007');
    expect(starts.lowerBound('due/')).toBe('due/0002');
    const next = starts.begin('due/', []);
    starts.writing('due/0001/nested');
    next.found('due/0007');
    expect(starts.lowerBound('due/')).toBe('due/0001/nested');
    const abandoned = starts.begin('due/', []);
    abandoned.abandon();
    expect(starts.lowerBound('due/')).toBe('due/0001/nested');
  });

  it('forgets the least recently scanned folders past its size', () => {
    const starts = new FolderStarts(2);
    for (const folder of ['a/', 'b/', 'c/']) starts.begin(folder, []).found(`${folder}9`);
    expect(starts.lowerBound('a/')).toBe('a/');
    expect(starts.lowerBound('c/')).toBe('c/9');
    // a scan whose folder was forgotten meanwhile leaves the new start alone
    const late = starts.begin('b/', []);
    starts.begin('d/', []).found('d/9');
    starts.begin('e/', []).found('e/9');
    late.found('b/9');
    expect(starts.lowerBound('b/')).toBe('b/');
  });
});
