import {
  createSessionBodySchema,
  listSessionsQuerySchema,
  patchSessionBodySchema,
  postMessageBodySchema,
  sessionDetailQuerySchema,
} from '../protocol/index.ts';
import { componentSchemas, inputSchema, queryParameters, type SchemaName } from './openapi-schemas.ts';

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: Parameters<typeof inputSchema>[0]) => ({
  required: true,
  content: { 'application/json': { schema: inputSchema(schema) } },
});
const json = (description: string, name: SchemaName) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const errorDescriptions: Record<number, string> = {
  400: 'Bad input: malformed JSON, a bad field or query, an empty message (`empty_prompt`)',
  401: 'No valid API token',
  403: 'Refused: a foreign Host or Origin in local mode',
  404: '`not_found`, also for another user’s session or file',
  409: '`turn_in_progress`; `message_not_last` for a regenerate of a message newer messages came after',
  408: 'The request body did not arrive in time',
  413: 'The body or file is too large',
  415: 'JSON routes accept only `application/json`',
  429: 'A quota, the waiting-message limit or the uploads one user may have under way; see `Retry-After`',
  503: 'Shutting down, a dependency is down, or the disk is too full to store what was sent',
};
/** Every operation can fail with `default` (500 `internal_error` and the like), besides those listed. */
const errors = (...statuses: number[]) => ({
  ...Object.fromEntries(
    statuses.map((status) => [String(status), json(errorDescriptions[status] ?? 'Error', 'Error')]),
  ),
  default: json('Any other error', 'Error'),
});
const uiMessageStream = {
  description:
    'The turn as an AI SDK UI message stream (v1): `id:`-numbered `data:` frames, `: heartbeat` comments while idle, ending with `data: [DONE]`. Besides the protocol chunks it carries `data-status` (transient), `data-compaction`, `data-error`, `data-system`, `data-follow-up` and `data-agent-progress` parts; the last, `id` = a running sub-agent call’s `toolCallId` and `data` = `AgentProgressData`, is replaced in place and never stored.',
  headers: { 'x-vercel-ai-ui-message-stream': { schema: { const: 'v1' } } },
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
const bytes = (description: string) => ({
  description,
  content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
});
const sessionId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const jsonRoute = [400, 401, 403, 413, 415];

/** The OpenAPI 3.1 description of the HTTP API (SPEC §2), its schemas generated from `protocol/`. */
export function createOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Autopilot API', version: '0.1.0' },
    components: {
      schemas: componentSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/sessions': {
        post: {
          summary: 'Create a session',
          requestBody: jsonBody(createSessionBodySchema),
          responses: { 201: json('The new session', 'SessionSummary'), ...errors(...jsonRoute) },
        },
        get: {
          summary: 'List sessions, newest first',
          parameters: queryParameters(listSessionsQuerySchema),
          responses: { 200: json('A page of sessions', 'SessionList'), ...errors(400, 401, 403) },
        },
      },
      '/api/sessions/{id}': {
        parameters: [sessionId],
        get: {
          summary: 'A session with its messages as AI SDK UIMessages',
          parameters: queryParameters(sessionDetailQuerySchema),
          responses: { 200: json('The session', 'SessionDetail'), ...errors(400, 401, 403, 404) },
        },
        patch: {
          summary: 'Rename a session and/or set which tools its agent gets',
          requestBody: jsonBody(patchSessionBodySchema),
          responses: { 200: json('The session', 'PatchedSession'), ...errors(...jsonRoute, 404) },
        },
        delete: {
          summary: 'Stop its turn and delete the session with every trace of it',
          responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
        },
      },
      '/api/sessions/{id}/messages': {
        parameters: [sessionId],
        post: {
          summary: 'Send a message; answers with the stream of the turn that answers it',
          requestBody: jsonBody(postMessageBodySchema),
          responses: {
            200: uiMessageStream,
            202: json(
              'A steered message: it goes into the running turn, or waits for the next',
              'QueuedMessage',
            ),
            ...errors(...jsonRoute, 404, 409, 429, 503),
          },
        },
      },
      '/api/sessions/{id}/stream': {
        parameters: [
          sessionId,
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
          { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer', minimum: 0 } },
        ],
        get: {
          summary: 'Resume the active turn, from its start or after an event id',
          responses: {
            200: uiMessageStream,
            204: { description: 'No turn is active' },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/api/sessions/{id}/cancel': {
        parameters: [sessionId],
        post: {
          summary: 'Stop the active turn, or the turn waiting to start',
          responses: {
            200: json('Whether a turn was stopped, and the messages that will not run', 'CancelResult'),
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/events': {
        get: {
          summary: "Changes to the caller's sessions, live",
          description:
            'Server-sent events: each `data:` frame is one `SessionEvent` (components/schemas/SessionEvent), with `: heartbeat` comments while idle. Events are not replayed: on (re)connecting, read `GET /api/sessions`.',
          responses: {
            200: {
              description: 'A stream of SessionEvent frames',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors(401, 403),
          },
        },
      },
      '/api/sessions/{id}/workspace': {
        parameters: [sessionId],
        get: {
          summary: 'The files in the session workspace',
          responses: {
            200: json('The files, by path', 'WorkspaceListing'),
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/sessions/{id}/workspace/{path}': {
        parameters: [sessionId, { name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'The bytes of one workspace file, confined to the workspace',
          description:
            'The path is one the listing gave. A name that is not UTF-8 is listed with U+FFFD for its other bytes, and downloads by that path; 409 when two names in one folder read alike that way.',
          responses: { 200: bytes('The file, as an attachment'), ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/files': {
        post: {
          summary: 'Upload a file to attach to messages (fileIds)',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['file'],
                  properties: {
                    file: { type: 'string', contentMediaType: 'application/octet-stream' },
                    sessionId: {
                      type: 'string',
                      description: 'Only messages of this session (the caller’s) may attach the file.',
                    },
                  },
                },
              },
            },
          },
          responses: {
            201: json(
              'The stored file; the name is sanitised, an untrusted media type becomes octet-stream',
              'UploadedFile',
            ),
            ...errors(400, 401, 403, 404, 413, 429, 503),
          },
        },
      },
      '/api/files/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'The bytes of an uploaded file',
          responses: {
            200: bytes('The file, with its media type, as an attachment'),
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/usage': {
        get: {
          summary: "The caller's usage today and this week, and the limits",
          responses: { 200: json('Usage and limits', 'UsageReport'), ...errors(401, 403) },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { 200: json('Alive', 'Health') } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: the database (and Redis, when used) answer',
          security: [],
          responses: {
            200: json('Ready, with the state of each configured MCP server', 'Ready'),
            503: json('Not ready', 'NotReady'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: {
            200: {
              description: 'Prometheus text format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/api/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: {
            200: {
              description: 'OpenAPI 3.1',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } },
                    required: ['openapi', 'paths'],
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
