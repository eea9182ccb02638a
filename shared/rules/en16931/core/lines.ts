import type { InvoiceRule } from '../../rule';
import { given, present } from '../../values';
import { endsBeforeStart } from './document';
import { eachItem, eachLine, fatal, missingIn } from './support';

/** What each invoice line (BG-25) and its parts must hold. */
export const lineRules: readonly InvoiceRule[] = [
  fatal('BR-21', ['BG-25', 'BT-126'], 'BT-126 Invoice line identifier is required', (invoice, report) => {
    eachLine(invoice, (line, path) => given(line.id) || report(`${path}/id`));
  }),
  fatal('BR-22', ['BG-25', 'BT-129'], 'BT-129 Invoiced quantity is required', (invoice, report) => {
    eachLine(invoice, (line, path) => present(line.quantity) || report(`${path}/quantity`));
  }),
  fatal(
    'BR-23',
    ['BG-25', 'BT-130'],
    'BT-130 Invoiced quantity unit of measure code is required',
    (invoice, report) => {
      eachLine(invoice, (line, path) => present(line.unitCode) || report(`${path}/unitCode`));
    },
  ),
  fatal('BR-25', ['BG-25', 'BT-153'], 'BT-153 Item name is required', (invoice, report) => {
    eachLine(
      invoice,
      (line, path) => given(line.item?.name) || report(missingIn(line.item, `${path}/item`, 'name')),
    );
  }),
  fatal('BR-24', ['BG-25', 'BT-131'], 'BT-131 Invoice line net amount is required', (invoice, report) => {
    eachLine(invoice, (line, path) => present(line.netAmount) || report(`${path}/netAmount`));
  }),
  fatal('BR-26', ['BG-25', 'BT-146'], 'BT-146 Item net price is required', (invoice, report) => {
    eachLine(
      invoice,
      (line, path) => present(line.price?.net) || report(missingIn(line.price, `${path}/price`, 'net')),
    );
  }),
  fatal(
    'BR-CO-04',
    ['BG-25', 'BT-151'],
    'BT-151 Invoiced item VAT category code is required',
    (invoice, report) => {
      eachLine(
        invoice,
        (line, path) => present(line.vat?.category) || report(missingIn(line.vat, `${path}/vat`, 'category')),
      );
    },
  ),
  fatal(
    'BR-30',
    ['BT-134', 'BT-135'],
    'The invoice line period ends (BT-135) before it starts (BT-134)',
    (invoice, report) => {
      eachLine(invoice, (line, path) => {
        const period = line.period;
        if (period && endsBeforeStart(period.start, period.end))
          report(
            `${path}/period/end`,
            `The invoice line period ends (BT-135 ${period.end}) before it starts (BT-134 ${period.start})`,
          );
      });
    },
  ),
  fatal(
    'BR-CO-20',
    ['BG-26', 'BT-134', 'BT-135'],
    'An invoice line period (BG-26) needs its start date (BT-134), its end date (BT-135) or both',
    (invoice, report) => {
      eachLine(invoice, (line, path) => {
        const period = line.period;
        if (period && !present(period.start) && !present(period.end)) report(`${path}/period`);
      });
    },
  ),
  ...(['BR-42', 'BR-CO-23'] as const).map((id) =>
    fatal(
      id,
      ['BG-27', 'BT-139', 'BT-140'],
      'An invoice line allowance (BG-27) needs a reason (BT-139), a reason code (BT-140) or both',
      (invoice, report) => {
        eachLine(invoice, (line, path) =>
          eachItem(line.allowances, `${path}/allowances`, (allowance, at) => {
            if (!present(allowance.reason) && !present(allowance.reasonCode)) report(`${at}/reason`);
          }),
        );
      },
    ),
  ),
  ...(['BR-44', 'BR-CO-24'] as const).map((id) =>
    fatal(
      id,
      ['BG-28', 'BT-144', 'BT-145'],
      'An invoice line charge (BG-28) needs a reason (BT-144), a reason code (BT-145) or both',
      (invoice, report) => {
        eachLine(invoice, (line, path) =>
          eachItem(line.charges, `${path}/charges`, (charge, at) => {
            if (!present(charge.reason) && !present(charge.reasonCode)) report(`${at}/reason`);
          }),
        );
      },
    ),
  ),
  fatal(
    'BR-54',
    ['BG-32', 'BT-160', 'BT-161'],
    'An item attribute (BG-32) needs both its name (BT-160) and its value (BT-161)',
    (invoice, report) => {
      eachLine(invoice, (line, path) =>
        eachItem(line.item?.attributes, `${path}/item/attributes`, (attribute, at) => {
          if (!present(attribute.name)) report(`${at}/name`, 'BT-160 Item attribute name is required');
          else if (!present(attribute.value))
            report(`${at}/value`, 'BT-161 Item attribute value is required');
        }),
      );
    },
  ),
  fatal(
    'BR-64',
    ['BT-157', 'BT-157-1'],
    'BT-157-1 Item standard identifier scheme identifier is required',
    (invoice, report) => {
      eachLine(invoice, (line, path) => {
        const standard = line.item?.standardId;
        if (standard && !present(standard.scheme)) report(`${path}/item/standardId/scheme`);
      });
    },
  ),
  fatal(
    'BR-65',
    ['BT-158', 'BT-158-1'],
    'BT-158-1 Item classification identifier scheme identifier is required',
    (invoice, report) => {
      eachLine(invoice, (line, path) =>
        eachItem(line.item?.classifications, `${path}/item/classifications`, (classification, at) => {
          if (!present(classification.scheme)) report(`${at}/scheme`);
        }),
      );
    },
  ),
];
