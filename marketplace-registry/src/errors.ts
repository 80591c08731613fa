import { defineErrors } from '@dogan/runtime';

/**
 * The registry's error table (server and client). Codes are stable: the CLI, the platform and tests
 * match on them. Anything a caller sent wrong is a 4xx with one of these codes; 5xx stays for our faults.
 */
export const RegistryErrors = defineErrors({
  // Authentication
  PUBLISHER_TOKEN_MISSING: { status: 401, title: 'Publisher token required', message: 'Send your publisher token as "Authorization: Bearer <token>"' },
  PUBLISHER_TOKEN_INVALID: { status: 401, title: 'Unknown publisher token', message: 'The token is not a current publisher token' },
  ADMIN_TOKEN_MISSING: { status: 401, title: 'Admin token required', message: 'Send the registry admin token as "Authorization: Bearer <token>"' },
  ADMIN_TOKEN_INVALID: { status: 403, title: 'Not the admin token', message: 'The token is not the registry admin token' },

  // Publishers and keys
  PUBLISHER_NOT_FOUND: { status: 404, title: 'Unknown publisher', message: 'No publisher is named "%s"' },
  PUBLISHER_EXISTS: { status: 409, title: 'Publisher exists', message: 'A publisher named "%s" exists already' },
  PUBLISHER_NAME_RESERVED: { status: 400, title: 'Reserved publisher name', message: '"%s" is reserved: event types under it belong to the platform (reserved: %s), so no module of it could be published' },
  PUBLISHER_NAME_INVALID: { status: 400, title: 'Invalid publisher name', message: '"%s" is not a publisher name: 2 to 39 lowercase letters, digits or dashes, starting with a letter' },
  KEY_INVALID: { status: 400, title: 'Invalid public key', message: 'The public key must be an Ed25519 key in SPKI PEM form: %s' },
  KEY_EXISTS: { status: 409, title: 'Key registered already', message: 'Key %s is registered already' },

  // Catalog
  PACKAGE_NOT_FOUND: { status: 404, title: 'Unknown module', message: 'No module "%s" is published here' },
  VERSION_NOT_FOUND: { status: 404, title: 'Unknown version', message: 'Module "%s" has no version %s' },
  NO_MATCHING_VERSION: { status: 404, title: 'No installable version', message: 'Module "%s" has no version that is not yanked and satisfies "%s"' },
  RANGE_INVALID: { status: 400, title: 'Invalid version range', message: '"%s" is not a semver version or range' },
  DIST_TAG_INVALID: { status: 400, title: 'Invalid dist-tag', message: '%s' },

  // Publishing
  PUBLISH_FORBIDDEN: { status: 403, title: 'Not your module', message: 'Publisher "%s" may publish only modules whose id starts with "%s."; "%s" does not' },
  VERSION_EXISTS: { status: 409, title: 'Version exists', message: '%s@%s was published already; versions are immutable (even when deprecated or yanked): publish a new version' },
  VERSION_MISMATCH: { status: 400, title: 'Manifest does not match the URL', message: 'The URL names %s@%s but the package manifest says %s@%s' },
  UPLOAD_INVALID: { status: 400, title: 'Invalid upload', message: '%s' },
  UPLOAD_TOO_LARGE: { status: 413, title: 'Upload too large', message: 'The package is larger than the %s bytes this registry accepts' },
  MANIFEST_INVALID: { status: 400, title: 'Invalid manifest', message: 'manifest.json is invalid: %s' },
  PACKAGE_INVALID: { status: 400, title: 'Invalid package', message: '%s' },
  PACKAGE_UNSAFE_PATH: { status: 400, title: 'Unsafe path in package', message: 'Entry "%s" %s' },
  PACKAGE_LINK_REFUSED: { status: 400, title: 'Link in package', message: 'Entry "%s" is a %s; packages may hold regular files only' },
  PACKAGE_ENTRY_TYPE_REFUSED: { status: 400, title: 'Special file in package', message: 'Entry "%s" is a %s; packages may hold regular files only' },
  PACKAGE_TOO_MANY_FILES: { status: 400, title: 'Too many files', message: 'The package holds more than %s entries' },
  PACKAGE_TOO_LARGE_UNPACKED: { status: 413, title: 'Package too large when unpacked', message: 'The package expands to more than %s bytes' },
  PACKAGE_CHECKSUM_MISMATCH: { status: 400, title: 'Checksums do not match', message: '%s' },
  SIGNATURE_INVALID: { status: 400, title: 'Invalid signature', message: 'The signature does not verify with key %s over this package and manifest' },
  SIGNING_KEY_NOT_REGISTERED: { status: 403, title: 'Unregistered signing key', message: 'Key %s is not a registered key of publisher "%s"; register it first ("dogan-module keys --register")' },

  // Registry client (the platform's side)
  MODULE_INTEGRITY_MISMATCH: { status: 502, title: 'Module integrity mismatch', message: '%s@%s: the downloaded package is %s but the registry published %s' },
  MODULE_SIGNATURE_INVALID: { status: 502, title: 'Module signature invalid', message: '%s@%s: %s' },
  MODULE_DOWNLOAD_FAILED: { status: 502, title: 'Module download failed', message: '%s' },
  REGISTRY_UNAVAILABLE: { status: 503, title: 'Registry unavailable', message: 'The registry at %s did not answer: %s' },
});
