import { optionalUrl, type Config, type ConfigValues } from '@dogan/runtime';

/** The marketplace plugin's variables: which registry modules come from. */
export const marketplaceConfigSchema = {
  DOGAN_REGISTRY_URL: optionalUrl({
    description: 'Marketplace registry the platform installs modules from; unset: the registry embedded under /registry',
    protocols: ['http:', 'https:'],
    example: 'https://registry.example.com/',
  }),
};

export type MarketplaceConfig = Config & ConfigValues<typeof marketplaceConfigSchema>;
