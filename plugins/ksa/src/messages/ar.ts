/**
 * Arabic messages, typed against the English keys so that a missing or extra key is a compile error
 * (the parity test checks placeholders and plural shapes too). Plural messages give all six Arabic
 * forms: zero, one, two, few (3–10), many (11–99), other (100, 1000...).
 */
import type { CatalogMessage } from './catalog.js';
import type { MessageKey } from './en.js';

export const ar: Readonly<Record<MessageKey, CatalogMessage>> = {
  'error.HIJRI_DATE_INVALID': 'تاريخ هجري غير صحيح',
  'error.GREGORIAN_DATE_INVALID': 'تاريخ ميلادي غير صحيح',
  'error.DATE_OUT_OF_RANGE': 'التاريخ خارج النطاق المدعوم في التقويم',
  'error.HIJRI_OVERRIDE_INVALID': 'تعديل غير صحيح لبداية الشهر الهجري',
  'error.INSTANT_INVALID': 'تاريخ ووقت غير صحيحين',
  'error.TIMEZONE_UNKNOWN': 'منطقة زمنية غير معروفة',
  'error.WORK_WEEK_EMPTY': 'أسبوع العمل لا يتضمن أي يوم',
  'error.WORK_WEEK_INVALID': 'أيام أسبوع العمل غير صحيحة',
  'error.BUSINESS_HOURS_INVALID': 'ساعات العمل غير صحيحة',
  'error.BUSINESS_DAY_NOT_FOUND': 'لم يُعثر على يوم عمل',
  'error.HOLIDAY_INVALID': 'إجازة غير صحيحة',
  'error.LOCALE_UNSUPPORTED': 'اللغة أو الإعدادات الإقليمية غير مدعومة',
  'error.CURRENCY_UNSUPPORTED': 'العملة غير مدعومة',
  'error.LOCALE_SETTINGS_INVALID': 'إعدادات اللغة والمنطقة غير صحيحة',
  'error.ARGUMENT_INVALID': 'قيمة غير صحيحة',
  'error.AMOUNT_INVALID': 'مبلغ غير صحيح',
  'error.notFound': 'غير موجود',
  'error.invalidRequest': 'طلب غير صالح',
  'error.unauthorized': 'يلزم تسجيل الدخول',
  'error.forbidden': 'تم رفض الوصول',
  'error.conflict': 'يتعارض الطلب مع الحالة الحالية',
  'error.tooManyRequests': 'طلبات كثيرة جدًا',
  'error.internal': 'حدث خطأ من جهتنا',
  'error.serviceUnavailable': 'الخدمة غير متاحة مؤقتًا',

  'invoice.invoice': 'فاتورة',
  'invoice.taxInvoice': 'فاتورة ضريبية',
  'invoice.simplifiedTaxInvoice': 'فاتورة ضريبية مبسطة',
  'invoice.number': 'رقم الفاتورة',
  'invoice.issueDate': 'تاريخ الإصدار',
  'invoice.dueDate': 'تاريخ الاستحقاق',
  'invoice.hijriDate': 'التاريخ الهجري',
  'invoice.gregorianDate': 'التاريخ الميلادي',
  'invoice.seller': 'البائع',
  'invoice.buyer': 'المشتري',
  'invoice.vatNumber': 'رقم التسجيل الضريبي',
  'invoice.description': 'الوصف',
  'invoice.quantity': 'الكمية',
  'invoice.unitPrice': 'سعر الوحدة',
  'invoice.subtotal': 'المجموع الفرعي',
  'invoice.vat': 'ضريبة القيمة المضافة ({rate}٪)',
  'invoice.total': 'الإجمالي',
  'invoice.totalWithVat': 'الإجمالي شاملًا ضريبة القيمة المضافة',
  'invoice.amountDue': 'المبلغ المستحق',

  'email.welcome.subject': 'مرحبًا بك في {product}',
  'email.trialEnding.subject': {
    zero: 'تنتهي فترتك التجريبية اليوم',
    one: 'تنتهي فترتك التجريبية خلال يوم واحد',
    two: 'تنتهي فترتك التجريبية خلال يومين',
    few: 'تنتهي فترتك التجريبية خلال {count} أيام',
    many: 'تنتهي فترتك التجريبية خلال {count} يومًا',
    other: 'تنتهي فترتك التجريبية خلال {count} يوم',
  },
  'email.trialEnded.subject': 'انتهت فترتك التجريبية',
  'email.invoiceIssued.subject': 'الفاتورة {number} من {seller}',
  'email.paymentReceived.subject': 'تم استلام الدفعة: {amount}',
  'email.passwordReset.subject': 'إعادة تعيين كلمة المرور',

  'date.both': '{hijri} الموافق {gregorian}',
  'date.dateTime': '{date}، {time}',
  'businessDays.count': {
    zero: 'لا أيام عمل',
    one: 'يوم عمل واحد',
    two: 'يوما عمل',
    few: '{count} أيام عمل',
    many: '{count} يوم عمل',
    other: '{count} يوم عمل',
  },
};
