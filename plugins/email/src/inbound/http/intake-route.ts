import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routeCredentialPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import { InboundErrors } from '../errors.js';
import type { InboundIntake } from '../intake/inbound-intake.js';

/** Providers prove themselves by the tenant's inbound secret, which the intake checks. */
const config = { policy: routeCredentialPolicy('email-inbound-secret', 'write') };

/** The body as bytes, refused with EMAIL_INBOUND_TOO_LARGE once past `maxBytes` (by Content-Length at once, else while it streams). */
async function readLimited(stream: Readable, declared: number, maxBytes: number): Promise<Buffer> {
  const tooLarge = (size: string) => InboundErrors.EMAIL_INBOUND_TOO_LARGE.with({ limit: maxBytes }, `is ${size} bytes; at most ${maxBytes} are accepted`);
  if (declared > maxBytes) {
    stream.resume();
    throw tooLarge(String(declared));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > maxBytes) {
      stream.resume();
      throw tooLarge(`more than ${maxBytes}`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * `POST /api/webhooks/email/{tenant}/inbound`: the body is read raw, whatever its type, so the size
 * limit is the mail's own (413 EMAIL_INBOUND_TOO_LARGE) and every format is parsed by the intake.
 */
export async function intakeRoute(instance: FastifyInstance, intake: InboundIntake, maxBytes: number): Promise<void> {
  await instance.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (request: FastifyRequest, payload: Readable) => readLimited(payload, Number(request.headers['content-length'] ?? 0), maxBytes));
    const app = scope.withTypeProvider<JsonSchemaTypeProvider>();
    app.post(
      '/api/webhooks/email/:tenant/inbound',
      {
        config,
        // The parser enforces the mail's limit; Fastify's own would answer with a code of its own first.
        bodyLimit: maxBytes + 1,
        schema: {
          tags: ['email'],
          summary: "Inbound mail from a provider (Postmark-style JSON, raw message/rfc822, SendGrid Inbound Parse form), authenticated by the tenant's inbound secret; published as email.received once per Message-ID",
          // Loose on purpose: a tenant that does not exist is a 404, whatever its shape.
          params: { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 80 } } } as const,
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return intake.receive(request.params.tenant, body, request.headers);
      },
    );
  });
}
