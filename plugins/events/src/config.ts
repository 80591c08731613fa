import { optionalUrl, type Config, type ConfigValues } from '@dogan/runtime';

/** The events plugin's variables. */
export const eventsConfigSchema = {
  NATS_URL: optionalUrl({
    description: 'NATS server with JetStream for the durable event bus; unset: the in-process bus',
    protocols: ['nats:', 'tls:'],
    example: 'nats://127.0.0.1:4222',
  }),
};

export type EventsConfig = Config & ConfigValues<typeof eventsConfigSchema>;
