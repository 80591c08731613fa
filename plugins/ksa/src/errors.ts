/**
 * The KSA plugin's error table. Codes are stable API: other plugins and clients match on them, and
 * the message catalogs (`messages/ar.ts`, `messages/en.ts`) carry a translated title for each one.
 * Messages name what was wrong and what would be accepted, so a person can fix the input.
 */
import { defineErrors } from '@dogan/runtime';

export const KsaErrors = defineErrors({
  HIJRI_DATE_INVALID: {
    status: 400,
    title: 'Invalid Hijri date',
    message: 'Hijri date %s is not valid: %s',
  },
  GREGORIAN_DATE_INVALID: {
    status: 400,
    title: 'Invalid Gregorian date',
    message: 'Gregorian date "%s" is not valid: expected a real calendar day written YYYY-MM-DD, e.g. 2025-03-01',
  },
  DATE_OUT_OF_RANGE: {
    status: 400,
    title: 'Date outside the supported calendar range',
    message: '%s is outside the supported Umm al-Qura range: %s',
  },
  HIJRI_OVERRIDE_INVALID: {
    status: 400,
    title: 'Invalid Hijri month override',
    message: 'Hijri month override %s is not valid: %s',
  },
  INSTANT_INVALID: {
    status: 400,
    title: 'Invalid instant',
    message:
      'Instant "%s" is not valid: give a Date or an ISO 8601 date-time with an offset, e.g. 2025-03-02T09:00:00+03:00 or 2025-03-02T06:00:00Z',
  },
  TIMEZONE_UNKNOWN: {
    status: 400,
    title: 'Unknown time zone',
    message: 'Time zone "%s" is not known: use an IANA name such as Asia/Riyadh or Europe/London',
  },
  WORK_WEEK_EMPTY: {
    status: 400,
    title: 'Empty work week',
    message:
      'The work week has no days: give at least one ISO weekday (1 = Monday ... 7 = Sunday), e.g. [7, 1, 2, 3, 4] for Sunday to Thursday',
  },
  WORK_WEEK_INVALID: {
    status: 400,
    title: 'Invalid work week',
    message: 'Work week %s is not valid: each day must be an ISO weekday from 1 (Monday) to 7 (Sunday), listed once',
  },
  BUSINESS_HOURS_INVALID: {
    status: 400,
    title: 'Invalid business hours',
    message: 'Business hours %s are not valid: %s',
  },
  BUSINESS_DAY_NOT_FOUND: {
    status: 400,
    title: 'No business day found',
    message: 'No business day within %s days after %s: check the work week and the holidays',
  },
  HOLIDAY_INVALID: {
    status: 400,
    title: 'Invalid holiday',
    message: 'Holiday %s is not valid: %s',
  },
  LOCALE_UNSUPPORTED: {
    status: 400,
    title: 'Unsupported language or locale',
    message: '%s is not supported: %s',
  },
  CURRENCY_UNSUPPORTED: {
    status: 400,
    title: 'Unsupported currency',
    message: 'Currency "%s" is not supported: use an ISO 4217 code such as SAR',
  },
  LOCALE_SETTINGS_INVALID: {
    status: 400,
    title: 'Invalid locale settings',
    message: 'Locale setting "%s" is not valid: %s',
  },
  ARGUMENT_INVALID: {
    status: 400,
    title: 'Invalid argument',
    message: '%s is not valid: %s',
  },
  AMOUNT_INVALID: {
    status: 400,
    title: 'Invalid amount',
    message: 'Amount %s is not valid: money is an integer number of minor units (halalas for SAR)',
  },
});

/** Every error code the KSA plugin can throw. */
export type KsaErrorCode = keyof typeof KsaErrors;
