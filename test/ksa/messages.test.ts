// Message catalogs: Arabic and English stay in parity (and the parity check really catches a
// broken pair), translation fills parameters and plural forms, and Accept-Language negotiation.
import t from 'tap';
import { CATALOGS, compareCatalogs, negotiateLanguage, translate, type MessageKey } from '../../plugins/ksa/src/messages.js';
import { ar } from '../../plugins/ksa/src/messages/ar.js';
import { en } from '../../plugins/ksa/src/messages/en.js';

t.test('the Arabic and English catalogs are in parity', async (t) => {
  t.same(compareCatalogs(ar, en, ['ar', 'en']), []);
  t.same(Object.keys(CATALOGS).sort(), ['ar', 'en']);
  t.ok(Object.keys(en).length > 40);
});

t.test('the parity check fails on a broken pair', async (t) => {
  const english = {
    'invoice.total': 'Total',
    'invoice.vat': 'VAT ({rate}%)',
    'email.invoiceIssued.subject': 'Invoice {number} from {seller}',
    'businessDays.count': { one: '{count} business day', other: '{count} business days' },
    'only.english': 'Hello',
  };
  const arabic = {
    'invoice.total': 'الإجمالي',
    'invoice.vat': 'ضريبة القيمة المضافة',
    'email.invoiceIssued.subject': 'الفاتورة {number} من {sellerName}',
    'businessDays.count': '{count} يوم عمل',
    'only.arabic': 'مرحبا',
  };
  t.same(compareCatalogs(english, arabic, ['en', 'ar']), [
    '"only.english" is in en but not in ar',
    '"only.arabic" is in ar but not in en',
    '"invoice.vat" uses {rate} in en but no placeholders in ar',
    '"email.invoiceIssued.subject" uses {number}, {seller} in en but {number}, {sellerName} in ar',
    '"businessDays.count" is plural in en but plain in ar',
  ]);
});

t.test('translate', async (t) => {
  t.equal(translate('en', 'error.notFound'), 'Not found');
  t.equal(translate('ar', 'error.notFound'), 'غير موجود');
  t.equal(translate('en', 'invoice.taxInvoice'), 'Tax invoice');
  t.equal(translate('ar', 'invoice.taxInvoice'), 'فاتورة ضريبية');
  t.equal(translate('en', 'invoice.vat', { rate: 15 }), 'VAT (15%)');
  t.equal(translate('ar', 'invoice.vat', { rate: 15 }), 'ضريبة القيمة المضافة (١٥٪)');
  t.equal(translate('ar', 'invoice.vat', { rate: 15 }, { digits: 'latn' }), 'ضريبة القيمة المضافة (15٪)');
  t.equal(translate('en', 'email.invoiceIssued.subject', { number: 'INV-0042', seller: 'Dogan' }), 'Invoice INV-0042 from Dogan');
  t.equal(translate('en', 'email.invoiceIssued.subject', { number: 'INV-0042' }), 'Invoice INV-0042 from {seller}', 'a missing parameter stays visible');
  t.equal(translate('en', 'no.such.key' as MessageKey), 'no.such.key');
});

t.test('plural messages', async (t) => {
  t.equal(translate('en', 'email.trialEnding.subject', { count: 1 }), 'Your trial ends in 1 day');
  t.equal(translate('en', 'email.trialEnding.subject', { count: 3 }), 'Your trial ends in 3 days');
  t.same(
    [0, 1, 2, 3, 11, 100].map((count) => translate('ar', 'email.trialEnding.subject', { count })),
    [
      'تنتهي فترتك التجريبية اليوم',
      'تنتهي فترتك التجريبية خلال يوم واحد',
      'تنتهي فترتك التجريبية خلال يومين',
      'تنتهي فترتك التجريبية خلال ٣ أيام',
      'تنتهي فترتك التجريبية خلال ١١ يومًا',
      'تنتهي فترتك التجريبية خلال ١٠٠ يوم',
    ],
  );
  t.equal(translate('en', 'email.trialEnding.subject'), 'Your trial ends in {count} days', 'no count: the other form');
});

t.test('negotiateLanguage', async (t) => {
  t.equal(negotiateLanguage('en-GB,en;q=0.9,ar;q=0.8', 'ar'), 'en');
  t.equal(negotiateLanguage('ar-SA,ar;q=0.9,en-US;q=0.8,en;q=0.7', 'en'), 'ar');
  t.equal(negotiateLanguage('fr-FR,fr;q=0.9,en;q=0.5,ar;q=0.6', 'en'), 'ar', 'by quality, not order');
  t.equal(negotiateLanguage('en;q=0.5, ar;q=0.5', 'en'), 'en', 'ties keep header order');
  t.equal(negotiateLanguage('EN-us', 'ar'), 'en', 'case-insensitive');
  t.equal(negotiateLanguage('fr, de', 'ar'), 'ar', 'nothing supported');
  t.equal(negotiateLanguage('ar;q=0, en;q=0.1', 'ar'), 'en', 'q=0 means not acceptable');
  t.equal(negotiateLanguage('*', 'en'), 'en');
  t.equal(negotiateLanguage('', 'en'), 'en');
  t.equal(negotiateLanguage(undefined), 'ar', 'Arabic by default');
  t.equal(negotiateLanguage('en;q=banana, ar;q=0.2', 'en'), 'ar', 'a malformed weight drops that entry');
});
