/** Credit note type codes (UNTDID 1001). */
export const CREDIT_NOTE_TYPES: ReadonlySet<string> = new Set([
  '81',
  '83',
  '261',
  '262',
  '296',
  '308',
  '381',
  '396',
  '420',
  '458',
  '502',
  '503',
  '532',
]);
