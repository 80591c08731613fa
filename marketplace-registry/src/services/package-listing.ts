import type { ModuleManifest } from '@dogan/module-manifest';
import type { Package } from '../db/entities.js';
import { normalizeSearchText } from '../search/normalize-text.js';

/** The listing columns of a package, copied from the manifest of the version tagged `latest`. */
export function listingFields(manifest: ModuleManifest, version: string): Omit<Package, 'id' | 'publisher' | 'createdAt' | 'updatedAt'> {
  const pricing = manifest.pricing;
  return {
    latestVersion: version,
    nameEn: manifest.name.en,
    nameAr: manifest.name.ar,
    descriptionEn: manifest.description.en,
    descriptionAr: manifest.description.ar,
    category: manifest.category,
    pricingModel: pricing.model,
    priceAmount: pricing.model === 'free' ? 0 : pricing.amount,
    searchText: ` ${normalizeSearchText([manifest.id, manifest.name.en, manifest.name.ar, manifest.description.en, manifest.description.ar].join(' '))} `,
  };
}
