import { caller, json, problem } from './lib/http';
import { httpRoute } from './lib/openapi';
import { services } from './lib/services';
import { inInvocation } from './lib/trace';

const NO_STORE = { 'cache-control': 'no-store' };

/** How one signs in here: always with an API key, and with Entra ID where it is configured. Anonymous. */
httpRoute('signInOptions', {
  route: 'sign-in',
  methods: ['GET'],
  handler: () =>
    Promise.resolve(json(200, { apiKey: true, entra: services().settings.entra ?? null }, NO_STORE)),
  docs: {
    GET: {
      summary: 'How to sign in: with an API key, and with Entra ID where configured (no API key)',
      description:
        'The web console reads this before it asks for a key: with `entra`, it offers to sign in with Entra ID ' +
        '(authorization code with PKCE at the authority, for the scope given), and then calls the API with the ' +
        'access token as `Authorization: Bearer`. It names no secret.',
      anonymous: true,
      responses: {
        '200': {
          description: 'The ways to sign in',
          content: {
            'application/json': {
              type: 'object',
              required: ['apiKey', 'entra'],
              additionalProperties: false,
              properties: {
                apiKey: { const: true },
                entra: {
                  oneOf: [
                    { type: 'null' },
                    {
                      type: 'object',
                      required: ['authority', 'clientId', 'scope'],
                      additionalProperties: false,
                      properties: {
                        authority: { type: 'string', description: 'The issuer (`EINVOICE_ENTRA_AUTHORITY`)' },
                        clientId: {
                          type: 'string',
                          description: 'The app registration (`EINVOICE_ENTRA_CLIENT_ID`)',
                        },
                        scope: {
                          type: 'string',
                          description: 'The scope to ask for (`EINVOICE_ENTRA_SCOPE`)',
                        },
                      },
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
  },
});

/** Who the caller is: its tenant, how it signed in, and for Entra ID the user and the tenants it may choose. */
httpRoute('session', {
  route: 'session',
  methods: ['GET'],
  handler: (request, context) =>
    inInvocation(context, async () => {
      try {
        return json(200, await caller(request), NO_STORE);
      } catch (error) {
        return problem(error, context);
      }
    }),
  docs: {
    GET: {
      summary: 'The caller: its tenant, and how it signed in',
      description:
        'With an Entra ID token, `user` names the signed-in user and `tenants` every tenant of this service its ' +
        '`Tenant.<id>` app roles grant; with several, each request names one in the `x-tenant-id` header, and ' +
        'without it `tenantId` is absent here (and other calls are refused with `auth.tenant-ambiguous`).',
      parameters: [
        {
          name: 'x-tenant-id',
          in: 'header',
          description: 'With an Entra ID token whose roles grant several tenants: the one to act for',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': {
          description: 'The caller',
          content: {
            'application/json': {
              type: 'object',
              required: ['via'],
              additionalProperties: false,
              properties: {
                tenantId: { type: 'string' },
                via: { enum: ['api-key', 'entra'] },
                user: {
                  type: 'object',
                  required: ['username'],
                  additionalProperties: false,
                  properties: { username: { type: 'string' }, name: { type: 'string' } },
                },
                tenants: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
});
