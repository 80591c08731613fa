import { defineErrors } from '@dogan/runtime';

/**
 * Errors of tenant archives (format 2). The first `%s` of most messages is the archive as the caller
 * named it (its path in quotes, or "The tenant archive" for a stream). Bad bytes are 400, like the
 * tenants table's ARCHIVE_INVALID (same code, same meaning); a well-formed archive this Dogan will not
 * read is 422; misuse of the reader or writer by code is a bug on our side, 500.
 */
export const ArchiveErrors = defineErrors({
  ARCHIVE_INVALID: { status: 400, title: 'Invalid tenant archive', message: '%s is not a Dogan tenant archive: %s' },
  ARCHIVE_TRUNCATED: { status: 400, title: 'Tenant archive cut short', message: '%s was cut short: it ends %s. Export it again, or copy it again if a copy or download was interrupted' },
  ARCHIVE_CORRUPT: { status: 400, title: 'Tenant archive damaged', message: '%s is damaged: %s. Use another copy of the archive' },
  ARCHIVE_CHECKSUM_MISMATCH: {
    status: 400,
    title: 'Tenant archive checksum mismatch',
    message: '%s does not match the checksum of %s (%s): it was altered or damaged after it was written. Use another copy of the archive',
  },
  ARCHIVE_TAMPERED: {
    status: 400,
    title: 'Tenant archive fails authentication',
    message: '%s fails authentication at encrypted chunk %s: it was altered, damaged or cut short after it was written. Use another copy of the archive',
  },
  ARCHIVE_PASSPHRASE_REQUIRED: { status: 400, title: 'Passphrase required', message: '%s is encrypted: give the passphrase it was exported with (dogan: --passphrase-file <file>)' },
  ARCHIVE_PASSPHRASE_WRONG: {
    status: 400,
    title: 'Wrong passphrase',
    message: 'The passphrase does not open %s: give the one used at export (a passphrase file\'s final newline is ignored; nothing else is)',
  },
  ARCHIVE_VERSION_UNSUPPORTED: {
    status: 422,
    title: 'Tenant archive from a newer Dogan',
    message: '%s is format %s, made by a newer Dogan; this Dogan reads formats up to %s. Upgrade Dogan to read it',
  },
  ARCHIVE_VERSION_OLD: {
    status: 422,
    title: 'Tenant archive of format 1',
    message: '%s is format 1 (one gzipped JSON document), made by an older Dogan: import it with "dogan tenant import <file>" as before; code reads it with readLegacyV1()',
  },
  ARCHIVE_PART_ORDER: { status: 500, title: 'Tenant archive read out of order', message: 'A tenant archive is read part after part, each to its end: %s' },
  ARCHIVE_WRITER_MISUSE: { status: 500, title: 'Tenant archive writer misused', message: 'Cannot write the tenant archive: %s' },
});
