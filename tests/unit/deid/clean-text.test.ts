import { cleaningTokens, createTextCleaner, graphemesOf } from '../../../main/core/deid/clean-text';
import { buildIdentityTokens, cjkNameForms } from '../../../main/core/verify/identity-tokens';
import { verifyBuffer } from '../../../main/core/verify/second-lock';
import { encodeElements, encodeFileMeta } from '../../../main/core/dicom/write';
import { el } from './helpers';

const tokens = buildIdentityTokens({
  names: ['Müller^Jürgen', 'Yamada^Tarou=山田^太郎=やまだ^たろう', 'Welby^Marcus'],
  ids: ['PID-0001', '123456'],
  dates: ['19600101'],
  texts: ['General Hospital', '+1 (555) 010-2000'],
  uids: ['1.2.826.0.1.3680043.9.7433.99.5'],
});
const cleaner = createTextCleaner(tokens);

/** A Part 10 file with one Image Comments value, for the second lock. */
const lt = (text: string): Buffer =>
  Buffer.concat([
    encodeFileMeta([el(0x00020010, 'UI', '1.2.840.10008.1.2.1')]),
    encodeElements([el(0x00204000, 'LT', text)], { littleEndian: true, explicitVR: true }),
  ]);

describe('createTextCleaner', () => {
  it.each([
    ['CT CHEST for Jürgen MÜLLER', 'CT CHEST for'],
    ['ct chest mueller', 'ct chest'], // umlaut written out in the text
    ['Dr. Welby^Marcus referred', 'Dr. referred'],
    ['Follow-up (PID-0001) at General Hospital', 'Follow-up () at'],
    ['MRN123456 seen', 'MRN seen'], // a letter next to a digit is a word edge
    ['born 01/01/1960, DOB 19600101083000', 'born, DOB 083000'], // compact date as a prefix of a DT
    ['call +1 (555) 010-2000 or 15550102000', 'call or'],
    ['ref UID 1.2.826.0.1.3680043.9.7433.99.5.', 'ref UID.'],
    ['山田太郎様 胸部CT', '様 胸部CT'],
    ['ﾔﾏﾀﾞ やまだ たろう', ''], // katakana (half- or full-width) and hiragana are one spelling
    ['CT for Mül\u00adler', 'CT for'], // an invisible soft hyphen inside the name
    ['ヤマダ タロウ 胸部CT', '胸部CT'],
  ])('%s → %s', (input, expected) => {
    expect(cleaner.clean(input)).toBe(expected);
    expect(cleaner.contains(cleaner.clean(input))).toBe(false);
  });

  it("an address written with '^' goes line by line; its words alone ('Chest', 'Road') are not the patient's", () => {
    const c = createTextCleaner(buildIdentityTokens({ texts: ['12 Chest Road^Liverpool'] }));
    expect(c.clean('CT Chest with contrast, Road traffic accident')).toBe(
      'CT Chest with contrast, Road traffic accident',
    );
    expect(c.clean('lives at 12 Chest Road, Liverpool')).toBe('lives at,');
  });

  it('bridges letters without a decomposition: ð as d, the capital ẞ as SS', () => {
    const c = createTextCleaner(buildIdentityTokens({ names: ['GUÐMUNDSSON^Jón', 'STRAUẞ^Eva'] }));
    expect(c.clean('CT Gudmundsson and Strauss')).toBe('CT and');
  });

  it('leaves text without tokens untouched, byte for byte', () => {
    for (const s of [
      'CT  CHEST  W/O',
      ' padded ',
      'Smithson 1234567 1.2.826.0.1.3680043.9.7433.99.55',
      'Welbyx',
    ]) {
      expect(cleaner.clean(s)).toBe(s);
      expect(cleaner.contains(s)).toBe(false);
    }
  });

  it('removes phone numbers and IDs written with other separators than the source, and their digit runs', () => {
    const t = buildIdentityTokens({ ids: ['ACC-99812'], texts: ['(555) 123-4567'] });
    const c = createTextCleaner(t);
    expect(
      c.clean(
        'a (555) 123-4567 b 555-123-4567 c 555.123.4567 d 555 123 4567 e 5551234567 f +1 555 123 4567 g',
      ),
    ).toBe('a b c d e f +1 g');
    expect(c.clean('local 123-4567, acc 99812, ACC99812 and no. 99812 seen')).toBe('local,, and no. seen');
    // Not glued to other digits or letters: a longer number or a code is left alone.
    for (const keep of ['15551234567890', 'X99812', '998123']) expect(c.clean(keep)).toBe(keep);
  });

  it('leaves decimals, dates and times that share digits with an ID or phone number alone, in cleaning and the lock', () => {
    const t = buildIdentityTokens({
      ids: ['12345', '1234567', 'A142825', 'X-00000'],
      texts: ['(555) 123-4567', '20230115-0042'],
    });
    const c = createTextCleaner(t);
    for (const keep of [
      'ratio 0.12345',
      'n 12345.6',
      'slope 1.234567',
      'dose 12.34567 mGy',
      'study 2023-01-15',
      'at 14.28.25',
      'serial 00000',
    ]) {
      expect(c.clean(keep)).toBe(keep);
      expect(verifyBuffer(lt(keep), t)).toEqual({ ok: true, hits: [] });
    }
    expect(c.clean('id 12 345, no 142825, acc 20230115 0042.')).toBe('id, no, acc.');
  });

  it('finds a number stored internationally where it is written the national way, with a trunk 0', () => {
    for (const stored of ['+44 20 7946 0958', '0044 20 7946 0958', '+33 1 23 45 67 89', '+49 30 12345678']) {
      const c = createTextCleaner(buildIdentityTokens({ texts: [`Tel ${stored}`] }));
      const national = {
        '+44 20 7946 0958': '020 7946 0958',
        '0044 20 7946 0958': '(020) 7946-0958',
        '+33 1 23 45 67 89': '01 23 45 67 89',
        '+49 30 12345678': '030/12345678',
      }[stored]!;
      expect(c.clean(`call ${national} today`)).toBe('call today');
      expect(c.contains(national)).toBe(true);
    }
    // A trunk form is matched whole, not inside a longer number.
    const c = createTextCleaner(buildIdentityTokens({ texts: ['+44 20 7946 0958'] }));
    expect(c.clean('ref 9020794609581')).toBe('ref 9020794609581');
  });

  it('finds a zero-padded record number written without its zeros, and names stored joined written apart', () => {
    const c = createTextCleaner(
      buildIdentityTokens({ ids: ['0012345'], names: ['OBRIEN^SEAN', 'VANDERBERG^ANNA'] }),
    );
    expect(c.clean('MRN 12345, ref 123456')).toBe('MRN, ref 123456');
    expect(c.clean("Sean O'Brien and Anna van der Berg")).toBe('and');
  });

  it('finds a name written with another split than the stored one', () => {
    const c = createTextCleaner(buildIdentityTokens({ names: ['Hong^Gildong', 'Schmidt^Annemarie'] }));
    expect(c.clean('Seen: Gil-dong Hong; Gil Dong; GIL.DONG')).toBe('Seen:;;');
    expect(c.clean('for Anne-Marie Schmidt, follow-up')).toBe('for, follow-up');
    // Short names are not looked for across words ('Li' would be in every 'lit up').
    const short = createTextCleaner(buildIdentityTokens({ names: ['Li^Na'] }));
    expect(short.clean('l i n a lit up')).toBe('l i n a lit up');
  });

  it('finds an institution or address written with other punctuation or none', () => {
    const c = createTextCleaner(
      buildIdentityTokens({ texts: ["St. Mary's Hospital", 'Klinikum Rechts der Isar'] }),
    );
    expect(c.clean('from St Marys Hospital, ward 3')).toBe('from, ward 3');
    expect(c.clean('from ST. MARY’S HOSPITAL')).toBe('from');
    expect(c.clean('from StMarys-Hospital')).toBe('from');
    expect(c.clean('Klinikum rechts-der-Isar, Radiologie')).toBe(', Radiologie');
    // Words of it in other text stay: only the whole name is one.
    expect(c.clean('Hospital bed, Mary')).toBe('Hospital bed, Mary');
  });

  it('finds a phone number written inside a longer text in any punctuation', () => {
    const c = createTextCleaner(buildIdentityTokens({ texts: ['Tel. 555-123-4567 (home)'] }));
    expect(c.clean('call 555.123.4567 or 5551234567 or 123 4567')).toBe('call or or');
  });

  it('segments very long text in pieces, with the same graphemes and a result in time', () => {
    const text = 'Lorem ipsum e\u0301 山田 👨‍👩‍👧 a\r\nb 한국어 '.repeat(3000) + ' Jürgen';
    const c = createTextCleaner(buildIdentityTokens({ names: ['Müller^Jürgen'] }));
    const cleaned = c.clean(text);
    expect(cleaned.endsWith('한국어')).toBe(true);
    expect(cleaned.length).toBe(text.length - ' Jürgen'.length - 1);
    const short = text.slice(0, 5000);
    expect(graphemesOf(short)).toEqual(
      [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(short)].map((g) => g.segment),
    );
    expect(graphemesOf(text).join('')).toBe(text);
  });

  it('repeats until a cut does not create a new occurrence', () => {
    // Names in scripts without spaces match anywhere, so a cut can join two halves into a new one.
    expect(cleaner.clean('山山田田 CT')).toBe('CT');
    // Elsewhere only whole words match: no new word can form.
    expect(cleaner.clean('Wel Welby by')).toBe('Wel by');
    expect(cleaner.clean('WelWelbyby')).toBe('WelWelbyby');
  });

  it('keeps value separators of multi-valued text', () => {
    expect(cleaner.clean('CT Welby\\MR Marcus\\PET')).toBe('CT\\MR\\PET');
  });

  it('leaves nothing the second lock would find in the cleaned value', () => {
    const samples = [
      'Jürgen MÜLLER, PID-0001, 19600101, General Hospital, +1 (555) 010-2000',
      'Mueller Juergen 123456 MRN123456 1/1/1960 01-01-1960 1 January 1960',
      '山田 太郎 やまだ たろう Yamada Tarou',
    ];
    for (const s of samples) {
      const cleaned = cleaner.clean(s);
      const file = Buffer.concat([
        encodeFileMeta([el(0x00020010, 'UI', '1.2.840.10008.1.2.1')]),
        encodeElements(
          [el(0x00080005, 'CS', 'ISO_IR 192'), el(0x00081030, 'LO', Buffer.from(cleaned, 'utf8'))],
          {
            littleEndian: true,
            explicitVR: true,
          },
        ),
      ]);
      expect(verifyBuffer(file, tokens)).toEqual({ ok: true, hits: [] });
    }
  });
});

describe('cleaningTokens', () => {
  it('adds CJK names written without a separator, so a one-character family name goes with the given name', () => {
    expect(['Wang^XiaoDong=王^小东=', 'Hong^Gildong=洪^吉洞=홍^길동'].flatMap(cjkNameForms)).toEqual([
      '王小东',
      '小东王',
      '洪吉洞',
      '吉洞洪',
      '홍길동',
      '길동홍',
    ]);
    const c = createTextCleaner(cleaningTokens({ names: ['Wang^XiaoDong=王^小东='] }));
    expect(c.clean('王小东 胸部CT')).toBe('胸部CT');
  });

  it("are the second lock's tokens, so the lock also finds a joined CJK name", () => {
    const tokens = cleaningTokens({ names: ['Wang^XiaoDong=王^小东='] });
    expect(tokens).toEqual(buildIdentityTokens({ names: ['Wang^XiaoDong=王^小东='] }));
    expect(tokens.texts).toContain('王小东');
  });
});
