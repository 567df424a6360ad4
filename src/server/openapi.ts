import { z } from 'zod';
import { createSessionBodySchema, patchSessionBodySchema, postMessageBodySchema } from '../protocol/index.ts';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

const jsonBody = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } },
});
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );
const sse = {
  description: 'The turn as an AI SDK UI message stream (v1), one `id:`-numbered `data:` frame per chunk.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
const sessionId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The OpenAPI 3.1 description of the HTTP API (SPEC §2). */
export function createOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Autopilot API', version: '0.1.0' },
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/sessions': {
        post: {
          summary: 'Create a session',
          requestBody: jsonBody(createSessionBodySchema),
          responses: { 201: json('The session'), ...errors(400, 401, 413) },
        },
        get: {
          summary: 'List sessions, newest first',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: json('{sessions, nextCursor}'), ...errors(400, 401) },
        },
      },
      '/api/sessions/{id}': {
        parameters: [sessionId],
        get: {
          summary: 'A session with its messages as UIMessages',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
            { name: 'before', in: 'query', schema: { type: 'integer' } },
          ],
          responses: { 200: json('The session detail'), ...errors(400, 401, 404) },
        },
        patch: {
          summary: 'Rename a session',
          requestBody: jsonBody(patchSessionBodySchema),
          responses: { 200: json('The session'), ...errors(400, 401, 404) },
        },
        delete: {
          summary: 'Delete a session and everything in it',
          responses: { 204: { description: 'Deleted' }, ...errors(401, 404) },
        },
      },
      '/api/sessions/{id}/messages': {
        parameters: [sessionId],
        post: {
          summary: 'Send a message and stream the turn it starts',
          requestBody: jsonBody(postMessageBodySchema),
          responses: { 200: sse, ...errors(400, 401, 404, 409, 413) },
        },
      },
      '/api/sessions/{id}/stream': {
        parameters: [
          sessionId,
          { name: 'after', in: 'query', schema: { type: 'integer' } },
          { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer' } },
        ],
        get: {
          summary: 'Resume the active turn',
          responses: { 200: sse, 204: { description: 'No active turn' }, ...errors(400, 401, 404) },
        },
      },
      '/api/sessions/{id}/cancel': {
        parameters: [sessionId],
        post: {
          summary: 'Stop the active turn',
          responses: { 200: json('{cancelled}'), ...errors(401, 404) },
        },
      },
      '/api/sessions/{id}/workspace': {
        parameters: [sessionId],
        get: {
          summary: 'The files in the session workspace',
          responses: { 200: json('{files:[{path,size,modifiedAt}]}'), ...errors(401, 404) },
        },
      },
      '/api/sessions/{id}/workspace/{path}': {
        parameters: [sessionId, { name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'The bytes of one workspace file',
          responses: {
            200: {
              description: 'The file',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            ...errors(400, 401, 404),
          },
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
                    file: { type: 'string', format: 'binary' },
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
            201: {
              description:
                'The stored file; the name is sanitised, an untrusted media type becomes octet-stream',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'name', 'mediaType', 'size'],
                    properties: {
                      id: { type: 'string' },
                      name: { type: 'string' },
                      mediaType: { type: 'string' },
                      size: { type: 'integer' },
                    },
                  },
                },
              },
            },
            ...errors(400, 401, 404, 413),
          },
        },
      },
      '/api/files/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'The bytes of an uploaded file, as an attachment',
          responses: {
            200: {
              description: 'The file, with its media type',
              content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
            },
            ...errors(401, 404),
          },
        },
      },
      '/api/usage': {
        get: {
          summary: "The caller's usage today and this week, and the limits",
          responses: { 200: json('{today, week, limits}'), ...errors(401) },
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
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: json('{ok:true}') } } },
      '/readyz': {
        get: {
          summary: 'Readiness',
          security: [],
          responses: {
            200: json('{ok:true, mcpServers:{<name>:{status:"connected"|"failed"|"closed", tools}}}'),
            503: json('Not ready'),
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', security: [], responses: { 200: json('OpenAPI 3.1') } },
      },
    },
  };
}
