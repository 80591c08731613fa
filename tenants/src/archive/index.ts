/**
 * Tenant archives, format 2: a streamed, checksummed, optionally encrypted container of named parts of
 * JSON rows. The format is described in archive-format.ts.
 */
export { ArchiveErrors } from './archive-errors.js';
export { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type ArchivePart, type ArchiveRow, type ArchiveSourceInfo, type ArchiveSummary, type OpenedArchive, type PartSummary } from './archive-format.js';
export { ArchiveWriter, PartWriter, type ArchiveWriterOptions } from './archive-writer.js';
export { ArchiveReader, openArchive, verifyArchive, type ArchiveProgress, type ArchiveReaderOptions } from './archive-reader.js';
export { readLegacyV1, LEGACY_SCHEMA_VERSION } from './legacy-v1.js';
export { archiveInfoCommand, type ArchiveInfoArgs, type ArchiveInfoOptions } from './archive-info-command.js';
